using System.Net.Sockets;
using System.Net;
using System.Runtime.Versioning;
using ImapProxy.Tests.Support;

namespace ImapProxy.Tests.Cli;

/// <summary>The executable's verbs and errors, run as a process: one line and exit code 2 for anything a user got wrong.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("imapproxy-cli-");

    private string[] Dirs => ["--data", Path.Combine(temp.FullName, "data"), "--ca-dir", Path.Combine(temp.FullName, "certs")];

    [Theory]
    [InlineData("--upstream-tls implicit", "--upstream HOST:PORT is required")]
    [InlineData("--upstream imap.example.com", "--upstream: expected HOST:PORT")]
    [InlineData("--upstream imap.example.com:99999", "is not a port number")]
    [InlineData("--upstream x:993 --upstream-tls sometimes", "--upstream-tls: 'sometimes' is not one of auto|implicit|starttls|none")]
    [InlineData("--upstream x:993 --client-tls maybe", "--client-tls: 'maybe' is not one of mirror|none")]
    [InlineData("--upstream x:993 --listen example.com:143", "is not an IP address")]
    [InlineData("--upstream x:993 --idle-timeout soon", "is not a duration")]
    [InlineData("--upstream x:993 --literal-cap lots", "is not a size")]
    [InlineData("--upstream x:993 --dashboard ftp://127.0.0.1:1", "is not an http:// URL")]
    [InlineData("--upstream x:993 --upstream-ca /nonexistent.pem", "no such file")]
    [InlineData("--upstream x:993 --frobnicate", "unknown option --frobnicate")]
    [InlineData("--upstream", "--upstream needs a value")]
    public async Task BadOptions_AreOneLine_AndExitCode2(string args, string message)
    {
        var (exitCode, output) = await Support.Cli.RunAsync([.. args.Split(' '), .. Dirs]);

        Assert.Equal(2, exitCode);
        Assert.Equal($"imapproxy: ", output[..11]);
        Assert.Contains(message, output);
        Assert.Single(output.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task PortInUse_IsOneLine_AndExitCode2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output) = await Support.Cli.RunAsync(["--upstream", "127.0.0.1:993", "--listen", $"127.0.0.1:{port}", .. Dirs]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", output);
        Assert.Single(output.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task DashboardPortInUse_IsOneLine_AndExitCode2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output) = await Support.Cli.RunAsync(["--upstream", "127.0.0.1:993", "--listen", "127.0.0.1:0", "--dashboard", $"http://127.0.0.1:{port}", .. Dirs]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"imapproxy: cannot serve the dashboard on http://127.0.0.1:{port}", output);
    }

    [Fact]
    public async Task Help_DocumentsEveryOption()
    {
        var (exitCode, output) = await Support.Cli.RunAsync("--help");

        Assert.Equal(0, exitCode);
        foreach (var option in new[] { "--upstream ", "--upstream-tls", "--listen ", "--listen-tls", "--client-tls", "--data", "--ca-dir",
                     "--upstream-ca", "--upstream-insecure", "--dashboard", "--idle-timeout", "--literal-cap", "imapproxy ca", "imapproxy parse" })
            Assert.Contains(option, output);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")] // Unix file modes
    public async Task CaVerb_CreatesTheCaOnce_KeyOwnerOnly_AndExportsDer()
    {
        var caDir = Path.Combine(temp.FullName, "ca");
        var der = Path.Combine(temp.FullName, "phone.cer");

        var first = await Support.Cli.RunAsync("ca", "--ca-dir", caDir);
        var second = await Support.Cli.RunAsync("ca", "--ca-dir", caDir, "--export", der, "--der");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("Created a new ImapProxy CA", first.Output);
        Assert.DoesNotContain("Created", second.Output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(caDir, "imapproxy-ca.key")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(caDir, "imapproxy-ca.cer")), File.ReadAllBytes(der));
        var sha = first.Output.Split('\n').Single(l => l.Contains("SHA-256"));
        Assert.Contains(sha.Trim(), second.Output);
    }

    public void Dispose() => temp.Delete(recursive: true);
}
