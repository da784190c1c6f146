using System.CommandLine;
using System.Net.Sockets;
using System.Net;
using System.Reflection;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using ImapProxy.Cli;
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
    [InlineData("--upstream x:993 --when-store-behind drop", "--when-store-behind: 'drop' is not one of wait|shed")]
    [InlineData("--upstream x:993 --listen example.com:143", "is not an IP address")]
    [InlineData("--upstream x:993 --idle-timeout soon", "is not a duration")]
    [InlineData("--upstream x:993 --literal-cap lots", "is not a size")]
    [InlineData("--upstream x:993 --dashboard ftp://127.0.0.1:1", "is not an http:// URL")]
    [InlineData("--upstream x:993 --upstream-ca /nonexistent.pem", "no such file")]
    [InlineData("--upstream x:993 --frobnicate", "unknown option --frobnicate")]
    [InlineData("--upstream", "--upstream needs a value")]
    [InlineData("--upstream x:993 --store mysql://root:hunter2@db/mail", "--store: expected sqlite:PATH, postgresql://USER@HOST:PORT/DATABASE")]
    [InlineData("--upstream x:993 --store Host=db;Frobnicate=1;Password=hunter2", "--store: not a PostgreSQL connection string")]
    [InlineData("--upstream x:993 --store postgresql://alice:hunter2@db", "--store: the PostgreSQL store needs a database name")]
    [InlineData("--upstream x:993 --store sqlite:", "--store: sqlite: needs the path of the database file")]
    [InlineData("--upstream x:993 --instance office/1", "--instance: 'office/1' is not a name")]
    public async Task BadOptions_AreOneLine_AndExitCode2(string args, string message)
    {
        var (exitCode, output) = await Support.Cli.RunAsync([.. args.Split(' '), .. Dirs]);

        Assert.Equal(2, exitCode);
        Assert.Equal($"imapproxy: ", output[..11]);
        Assert.Contains(message, output);
        Assert.DoesNotContain("hunter2", output);
        Assert.Single(output.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task PostgresUnreachableAtStart_IsOneLine_WithoutThePassword_AndExitCode2()
    {
        // A port nothing listens on: the listener is closed again before the proxy starts.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var (exitCode, output) = await Support.Cli.RunAsync(["--upstream", "127.0.0.1:993", "--listen", "127.0.0.1:0", "--dashboard", "http://127.0.0.1:0",
            "--store", $"postgresql://imapproxy:hunter2@127.0.0.1:{port}/mail", .. Dirs]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"imapproxy: cannot reach the PostgreSQL store postgresql://imapproxy@127.0.0.1:{port}/mail: ", output);
        Assert.Contains("refused", output);
        Assert.DoesNotContain("hunter2", output);
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

    /// <summary>Every command of the command table, as typed: "", "run", "import rawlog"...</summary>
    public static TheoryData<string> Commands() => new(CommandPaths(CommandTable.Root).Select(p => p.Path));

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task EveryOption_IsInItsCommandsHelp_AndInTheReadme(string path)
    {
        var command = CommandPaths(CommandTable.Root).Single(c => c.Path == path).Command;
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "README.md"));

        var (exitCode, help) = await Support.Cli.RunAsync([.. Words(path), "--help"]);

        Assert.Equal(0, exitCode);
        Assert.Contains($"imapproxy {path}".TrimEnd() + " ", help);
        foreach (var option in command.Options.Where(o => !o.Hidden).Select(o => o.Name).Where(n => n != "--help"))
        {
            Assert.Matches(Mentioned(option), help);
            Assert.True(Regex.IsMatch(readme, Mentioned(option)), $"README.md does not mention {option} (of imapproxy {path})");
        }
    }

    [Fact]
    public async Task EachCommandsHelp_IsItsOwn()
    {
        var helps = new Dictionary<string, string>();
        foreach (var (path, _) in CommandPaths(CommandTable.Root))
        {
            var (exitCode, help) = await Support.Cli.RunAsync([.. Words(path), "--help"]);
            Assert.Equal(0, exitCode);
            Assert.Contains($"Usage:\n  imapproxy {path}".TrimEnd(), help);
            helps[path] = help;
        }

        Assert.Equal(helps.Count, helps.Values.Distinct().Count());
        Assert.Contains("--format", helps["export"]);
        Assert.DoesNotContain("--format", helps["sessions"]);
        Assert.Contains("--filter", helps["events"]);
        Assert.DoesNotContain("--filter", helps["import rawlog"]);
    }

    [Theory]
    [InlineData("sessions --limit many", "imapproxy sessions: --limit needs a positive number, not 'many' (see imapproxy sessions --help)")]
    [InlineData("events 7 --filter latency>soon", "imapproxy events: --filter: bad filter at position 8: 'soon' is not a duration")]
    [InlineData("export 7 --format zip", "imapproxy export: --format: 'zip' is not one of jsonl|transcript|rawlog|pcap (see imapproxy export --help)")]
    [InlineData("export 7", "imapproxy export: --format is required (see imapproxy export --help)")]
    [InlineData("import rawlog", "imapproxy import rawlog: BASE is missing (see imapproxy import rawlog --help)")]
    [InlineData("replay 7 --timeout soon", "imapproxy replay: --timeout: 'soon' is not a duration such as 90s, 30m or 2h (see imapproxy replay --help)")]
    [InlineData("serve-capture 7 --listen nowhere", "imapproxy serve-capture: --listen: expected HOST:PORT, got 'nowhere' (see imapproxy serve-capture --help)")]
    [InlineData("ca --der", "imapproxy ca: --der goes with --export FILE (see imapproxy ca --help)")]
    [InlineData("run --literal-cap lots", "imapproxy run: --literal-cap: 'lots' is not a size such as 16MiB (see imapproxy run --help)")]
    [InlineData("events seven", "imapproxy events: SESSION: 'seven' is not a session id such as 42 (see imapproxy events --help)")]
    public async Task BadValues_InEveryVerb_AreOneLine_AndExitCode2(string args, string message)
    {
        var (exitCode, output) = await Support.Cli.RunAsync(args.Split(' '));

        Assert.Equal(2, exitCode);
        Assert.StartsWith(message, output);
        Assert.Single(output.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Version_IsTheInformationalVersion()
    {
        var version = typeof(CommandTable).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        var (exitCode, output) = await Support.Cli.RunAsync("--version");

        Assert.Equal((0, version), (exitCode, output.Trim()));
    }

    [Fact]
    public async Task CaHelp_SaysWhatCaDoes_AndOnlyHelps()
    {
        var caDir = Path.Combine(temp.FullName, "ca");

        var (exitCode, help) = await Support.Cli.RunAsync("ca", "--ca-dir", caDir, "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("creates one there first", help);
        Assert.False(Directory.Exists(caDir));
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

    private static IEnumerable<(string Path, Command Command)> CommandPaths(Command command, string path = "")
    {
        yield return (path, command);
        foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
        {
            foreach (var nested in CommandPaths(sub, $"{path} {sub.Name}".Trim())) yield return nested;
        }
    }

    private static string[] Words(string path) => path.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The option as a word of its own: --listen is not found inside --listen-tls.</summary>
    private static string Mentioned(string option) => $@"(?<![\w-]){Regex.Escape(option)}(?![\w-])";

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory.FullName, "ImapProxy.sln"))) directory = directory.Parent!;
        return directory.FullName;
    }
}
