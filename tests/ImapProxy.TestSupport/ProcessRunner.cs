using System.Diagnostics;

namespace ImapProxy.TestSupport;

/// <summary>Runs a short-lived command and returns its exit code and combined output.</summary>
internal static class ProcessRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) startInfo.Environment[name] = value;

        using var process = Start(startInfo);
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeoutCts.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeoutCts.Token);
            await process.WaitForExitAsync(timeoutCts.Token);
            return (process.ExitCode, (await stdout) + (await stderr));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', startInfo.ArgumentList)} did not finish within {timeout}");
        }
    }

    /// <summary>A missing client program fails the test with how to install it, never skips it.</summary>
    private static Process Start(ProcessStartInfo startInfo)
    {
        try
        {
            return Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {startInfo.FileName}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"{startInfo.FileName} could not be started ({e.Message}): run ./tools/install-prerequisites.sh as root, " +
                "which installs every program the tests drive (python3, curl, mbsync from isync, fetchmail, openssl, tshark...)", e);
        }
    }
}
