using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ImapProxy.TestSupport;

/// <summary>
/// A throwaway PostgreSQL cluster for the test run: initdb in a temporary folder, a loopback port, stopped and
/// deleted when the test process exits. One per process, started by the first test that asks; each test class
/// takes a database of its own (<see cref="CreateDatabaseAsync"/>). Debian's postgresql package must be installed:
/// without it the tests fail and say so, they do not skip.
/// </summary>
public sealed class PostgresCluster
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresCluster? shared;
    private static int databases;

    private readonly string bin;
    private readonly string directory;

    private PostgresCluster(string bin, string directory, int port) => (this.bin, this.directory, Port) = (bin, directory, port);

    public int Port { get; }

    /// <summary>The cluster of this test process, started on first use.</summary>
    public static async Task<PostgresCluster> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return shared ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A new empty database; returns its connection string (user postgres, trust authentication on loopback).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Environment.ProcessId}_{Interlocked.Increment(ref databases)}";
        await RunAsync(Path.Combine(bin, "createdb"), "-h", "127.0.0.1", "-p", Port.ToString(), "-U", "postgres", name);
        return ConnectionString(name);
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    public static string FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin"))
                  .Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderBy(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                  .LastOrDefault() ?? throw NotInstalled()
            : throw NotInstalled();

    private static InvalidOperationException NotInstalled() =>
        new("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin): apt-get install postgresql, or run tools/install-prerequisites.sh");

    private static async Task<PostgresCluster> StartAsync()
    {
        var bin = FindBinaries();
        var directory = Directory.CreateTempSubdirectory("imapproxy-pg-").FullName;
        // initdb and postgres refuse to run as root: the cluster belongs to the postgres user then.
        if (Environment.UserName == "root") await ProcessRunner.RunAsync("chown", ["postgres:postgres", directory], TimeSpan.FromSeconds(10), CancellationToken.None);
        var port = FreePort();
        var cluster = new PostgresCluster(bin, directory, port);
        // A default locale that folds more than ASCII, so the tests show the store's "C" collation is what decides.
        await cluster.RunAsync(Path.Combine(bin, "initdb"), "-D", Path.Combine(directory, "data"), "-A", "trust", "-U", "postgres",
            "--encoding=UTF8", "--locale=C.UTF-8");
        await cluster.RunAsync(Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(directory, "data"), "-l", Path.Combine(directory, "log"),
            "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off", "-w", "start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        return cluster;
    }

    // One shell runs both steps: the test host may be ended as soon as its exit handlers start, and the shell, a
    // process of its own, still deletes the folder once the server has stopped.
    private void Stop()
    {
        var stop = Command(Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(directory, "data"), "-m", "immediate", "-w", "stop");
        using var shell = Process.Start("sh", ["-c", $"{Quote(stop.File)} {string.Join(' ', stop.Arguments.Select(Quote))} >/dev/null 2>&1; rm -rf {Quote(directory)}"]);
        shell.WaitForExit(TimeSpan.FromSeconds(30));
    }

    private async Task RunAsync(string program, params string[] arguments)
    {
        var (file, args) = Command(program, arguments);
        var (exit, output) = await ProcessRunner.RunAsync(file, args, TimeSpan.FromSeconds(60), CancellationToken.None);
        if (exit != 0) throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({exit}): {output}");
    }

    // As root, through su (which takes one command line): every argument quoted for the shell.
    private static (string File, string[] Arguments) Command(string program, params string[] arguments) =>
        Environment.UserName == "root"
            ? ("su", ["postgres", "-c", string.Join(' ', new[] { program }.Concat(arguments).Select(Quote))])
            : (program, arguments);

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''") + "'";

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
