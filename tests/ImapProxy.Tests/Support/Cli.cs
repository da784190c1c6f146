using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Support;

/// <summary>Runs the built imapproxy executable as a user would. Tests pass --data and --ca-dir of their own.</summary>
internal static class Cli
{
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "imapproxy.dll");

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        return await ProcessRunner.RunAsync("dotnet", [Executable, .. args], ProxyHarness.Timeout, cts.Token);
    }
}
