using System.Diagnostics;
using System.Text.RegularExpressions;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Shipping;

/// <summary>The .NET tool, as a .NET user installs it: dotnet pack, dotnet tool install, then the command from anywhere.</summary>
/// <remarks>In the Dovecot collection only so that it never runs beside <see cref="PublishedBuildTests"/>: two Release builds of
/// one project at once trip over each other's files.</remarks>
[Collection(DovecotCollection.Name)]
public sealed partial class DotnetToolTests : IDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("imapproxy-tool-");

    public void Dispose() => root.Delete(recursive: true);

    [Fact]
    public async Task PackedAndInstalled_TheCommandRunsFromAnyDirectory_WithItsDashboard()
    {
        using var cts = new CancellationTokenSource(PublishedBuild.BuildTimeout);
        var packages = Path.Combine(root.FullName, "packages");
        var tools = Path.Combine(root.FullName, "tools");
        var work = Directory.CreateDirectory(Path.Combine(root.FullName, "work")).FullName;
        await Run("dotnet", ["pack", Path.Combine(PublishedBuild.RepositoryRoot, "src", "ImapProxy"), "-c", "Release", "-o", packages, "--nologo"], cts.Token);
        await Run("dotnet", ["tool", "install", "--tool-path", tools, "--add-source", packages, "ImapProxy"], cts.Token);
        var command = Path.Combine(tools, "imapproxy");

        var (code, version) = await ProcessRunner.RunAsync(command, ["--version"], TimeSpan.FromMinutes(1), cts.Token);
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+(-[\w.]+)?\+[0-9a-f]{7,40}\s*$", version);

        // Started from elsewhere, it serves its dashboard's files and keeps its data where it was started.
        var start = new ProcessStartInfo(command) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--upstream=127.0.0.1:9", "--upstream-tls=none", "--listen=127.0.0.1:0", "--listen-tls=127.0.0.1:0", "--dashboard=http://127.0.0.1:0" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        try
        {
            string? dashboard = null;
            while (dashboard is null)
            {
                var line = await process.StandardOutput.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException(await process.StandardError.ReadToEndAsync(cts.Token));
                if (DashboardLine().Match(line) is { Success: true } m) dashboard = m.Groups[1].Value.TrimEnd('/');
            }
            using var http = new HttpClient();
            var script = await http.GetByteArrayAsync(dashboard + "/_framework/blazor.web.js", cts.Token);
            Assert.True(script.Length > 10_000, $"blazor.web.js is {script.Length} bytes");
            Assert.True(Directory.Exists(Path.Combine(work, "data")) && Directory.Exists(Path.Combine(work, "certs")));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task Run(string file, string[] args, CancellationToken ct)
    {
        var (code, output) = await ProcessRunner.RunAsync(file, args, PublishedBuild.BuildTimeout, ct);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}):\n{output}");
    }

    [GeneratedRegex(@"Dashboard on (http://127\.0\.0\.1:\d+/?)")]
    private static partial Regex DashboardLine();
}
