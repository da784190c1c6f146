using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace ImapProxy.TestSupport;

// Starting: one temporary directory, a config of our own, `dovecot -c`, then wait for both ports to greet.
public sealed partial class DovecotServer
{
    private const int StartAttempts = 3;

    /// <summary>
    /// Starts a new server and returns once both ports greet. Throws, never skips, when Dovecot is not installed
    /// (saying how to install it) or does not start (with the tail of its log).
    /// </summary>
    public static async Task<DovecotServer> StartAsync(DovecotOptions? options = null, CancellationToken ct = default)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the test Dovecot runs on Linux only");
        options ??= new DovecotOptions();
        foreach (var user in options.AllUsers()) user.Validate();
        var binaries = DovecotBinaries.Locate();
        if (!Libc.IsRoot)
        {
            throw new InvalidOperationException(
                "DovecotServer must run as root: it creates the mail system user, hands the mail files to it and lets " +
                "Dovecot drop privileges. Run the tests as root (e.g. sudo ./test.sh).");
        }

        var stopwatch = Stopwatch.StartNew();
        var mailUser = await MailSystemUser.EnsureAsync(ct);
        var layout = new DovecotLayout(Directory.CreateTempSubdirectory("imapproxy-dovecot-").FullName);
        var certificate = TestCertificate.Create();
        int? masterPid = null;
        var launched = false;
        try
        {
            PrepareDirectory(layout, mailUser, certificate, options);
            var instanceName = "imapproxy-" + Path.GetFileName(layout.Root)["imapproxy-dovecot-".Length..];
            for (var attempt = 1; ; attempt++)
            {
                // Free ports are picked by binding port 0 and letting go, so another process can take one before
                // Dovecot binds it; that rare race is the only failure worth another try.
                var (imapPort, imapsPort) = (FreeLoopbackPort(), FreeLoopbackPort());
                while (imapsPort == imapPort) imapsPort = FreeLoopbackPort();
                await File.WriteAllTextAsync(layout.ConfigFile,
                    DovecotConfig.Render(layout, instanceName, imapPort, imapsPort, mailUser, options), ct);
                await ValidateConfigAsync(binaries, layout, ct);

                var (exitCode, errors) = await LaunchAsync(binaries, layout, ct);
                if (exitCode != 0 && errors.Contains("Address already in use") && attempt < StartAttempts) continue;
                if (exitCode != 0) throw StartFailure(layout, $"`dovecot -c {layout.ConfigFile}` exited with {exitCode}: {errors}");
                launched = true;

                var deadline = DateTime.UtcNow + options.StartTimeout;
                masterPid = await ReadMasterPidAsync(layout, deadline, ct);
                var server = new DovecotServer(layout, mailUser, options, certificate, masterPid.Value, imapPort, imapsPort);
                await server.WaitUntilGreetingAsync(deadline, ct);
                server.StartupDuration = stopwatch.Elapsed;
                return server;
            }
        }
        catch
        {
            // Without a pid file (a start that timed out early) the master is found by its unique config path.
            if (launched) masterPid ??= ProcessGroup.FindByCommandLine(layout.ConfigFile);
            if (masterPid is { } pid) await ProcessGroup.StopAsync(pid, TimeSpan.FromSeconds(10));
            // The failure message already carries the log's tail, so nothing here is needed any more.
            TryDeleteDirectory(layout.Root);
            throw;
        }
    }

    [SupportedOSPlatform("linux")]
    private static void PrepareDirectory(DovecotLayout layout, MailSystemUser mailUser, TestCertificate certificate, DovecotOptions options)
    {
        // CreateTempSubdirectory makes it 0700; the mail user and Dovecot's own users must get through it (0755).
        File.SetUnixFileMode(layout.Root, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(layout.BaseDir);
        Directory.CreateDirectory(layout.StateDir);

        certificate.WritePemFiles(layout.CertificateFile, layout.PrivateKeyFile);
        // The auth process runs as the 'dovecot' user and reads this file itself; it must stay world-readable.
        File.WriteAllLines(layout.PasswdFile, options.AllUsers().Select(u => $"{u.Name}:{{PLAIN}}{u.Password}::::::"));

        foreach (var dir in new[] { layout.HomesDir, layout.RawlogsDir }
                     .Concat(options.Rawlog ? options.AllUsers().Select(u => layout.Rawlog(u.Name)) : []))
        {
            // Dovecot writes rawlogs only into a directory that already exists (it silently skips otherwise).
            Directory.CreateDirectory(dir);
            Libc.Chown(dir, mailUser.Uid, mailUser.Gid);
        }
    }

    private static async Task ValidateConfigAsync(DovecotBinaries binaries, DovecotLayout layout, CancellationToken ct)
    {
        var (exitCode, output) = await ProcessRunner.RunAsync(
            binaries.Doveconf, ["-c", layout.ConfigFile, "-n"], TimeSpan.FromSeconds(30), ct);
        if (exitCode != 0) throw new InvalidOperationException($"doveconf rejected {layout.ConfigFile} (exit {exitCode}):\n{output}");
    }

    // The daemonized master keeps its stderr open for life, so a pipe would never reach end-of-file;
    // stderr goes to a file instead. The parent exits once the listeners are bound (or failed to bind).
    private static async Task<(int ExitCode, string Errors)> LaunchAsync(DovecotBinaries binaries, DovecotLayout layout, CancellationToken ct)
    {
        var (exitCode, _) = await ProcessRunner.RunAsync("/bin/sh",
            ["-c", "exec \"$0\" -c \"$1\" </dev/null >/dev/null 2>\"$2\"", binaries.Dovecot, layout.ConfigFile, layout.StderrFile],
            TimeSpan.FromSeconds(30), ct);
        return (exitCode, File.Exists(layout.StderrFile) ? File.ReadAllText(layout.StderrFile).Trim() : "");
    }

    // The launching parent exits before the daemonized master has written its pid file.
    private static async Task<int> ReadMasterPidAsync(DovecotLayout layout, DateTime deadline, CancellationToken ct)
    {
        while (true)
        {
            if (File.Exists(layout.MasterPidFile) && int.TryParse(File.ReadAllText(layout.MasterPidFile).Trim(), out var pid)) return pid;
            if (DateTime.UtcNow > deadline) throw StartFailure(layout, $"no pid in {layout.MasterPidFile}");
            await Task.Delay(20, ct);
        }
    }

    private async Task WaitUntilGreetingAsync(DateTime deadline, CancellationToken ct)
    {
        bool imapReady = false, imapsReady = false;
        while (true)
        {
            imapReady = imapReady || await GreetingProbe.TryGreetingAsync(Host, ImapPort, false, CertificateValidationCallback, ct) is not null;
            imapsReady = imapsReady || await GreetingProbe.TryGreetingAsync(Host, ImapsPort, true, CertificateValidationCallback, ct) is not null;
            if (imapReady && imapsReady) return;
            if (!ProcessGroup.HasLiveMembers(masterPid)) throw StartFailure(layout, "Dovecot exited while starting");
            if (DateTime.UtcNow > deadline)
            {
                throw StartFailure(layout, "no IMAP greeting before the start timeout " +
                    $"(imap {ImapPort}: {(imapReady ? "ok" : "silent")}, imaps {ImapsPort}: {(imapsReady ? "ok" : "silent")})");
            }
            await Task.Delay(50, ct);
        }
    }

    private static InvalidOperationException StartFailure(DovecotLayout layout, string what)
    {
        var log = File.Exists(layout.LogFile) ? File.ReadAllLines(layout.LogFile) : [];
        var tail = string.Join('\n', log.TakeLast(30));
        return new InvalidOperationException(
            $"Test Dovecot failed to start: {what}\n--- last lines of its log ---\n{tail}");
    }

    // Best effort: a clean-up problem must not hide the start failure being reported.
    private static void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
