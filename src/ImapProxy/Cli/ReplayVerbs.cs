using System.Runtime.InteropServices;
using System.Text.Json;
using ImapProxy.Tls;
using ImapProxy.Configuration;
using ImapProxy.Replay;
using ImapProxy.Replay.Client;
using ImapProxy.Replays;
using ImapProxy.Storage;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Cli;

/// <summary>
/// <c>imapproxy replay</c> (a capture's client side against a server, with a diff of the answers) and
/// <c>imapproxy serve-capture</c> (a capture's server side to any client). Both record what they do as sessions.
/// </summary>
internal static class ReplayVerbs
{
    public const string Usage = """
        Usage: imapproxy replay SESSION [--to HOST:PORT] [options]
               imapproxy serve-capture SESSION [--listen ADDR:PORT] [--tls] [--timing original] [options]
               imapproxy replay SESSION --check

        replay         sends the session's commands to a server and shows, per command, how the parsed
                       answers differ from the captured ones (the replay is stored as a session too)
          --to HOST:PORT           the server (default: the session's own upstream, with its TLS mode)
          --tls MODE               implicit (default for port 993), starttls (default otherwise), none
          --ca-file FILE           also trust this CA (PEM or DER) for the server's certificate
          --insecure               accept any server certificate
          --user USER              log in as USER (default: the captured user)
          --password-env VAR       the password, from environment variable VAR
          --password-file FILE     the password, from the first line of FILE
          --new-tags               send R0001, R0002... instead of the captured tags
          --idle-max DURATION      hold IDLE as long as captured, at most this (default 10s)
          --stop-on-error          stop after the first NO or BAD
          --timeout DURATION       wait this long for each answer (default 30s)
          --strict                 also compare UIDs, UIDVALIDITY, dates, MODSEQ and status texts
          --json                   print the result as one JSON object
          --exit-code              exit 3 when an answer differs (for scripts)
        serve-capture  plays the session's server side to every client that connects, until Ctrl+C:
                       the greeting, then the captured answer of each matching command (tags rewritten,
                       literals byte-exact); a command that matches nothing gets a BAD saying why
          --listen ADDR:PORT       where to listen (default 127.0.0.1:2143)
          --tls                    implicit TLS with a certificate from the ImapProxy CA
          --timing original        wait as long as the server did before each answer (at most 30s)
          --ca-dir DIR             the ImapProxy CA, for --tls and STARTTLS (default ./certs)
        --check        says whether the session can be replayed each way, and why not
        --data DIR     the store (default ./data)
        """;

    public const int Differences = 3;

    public static async Task<int> RunAsync(string verb, string[] args, TextWriter output, TextWriter error)
    {
        if (args is ["--help" or "-h", ..])
        {
            output.WriteLine(Usage);
            return ExitCodes.Ok;
        }
        Options options;
        try
        {
            options = Options.Parse(verb, args);
        }
        catch (Exception e) when (e is ArgumentException or SettingsException)
        {
            error.WriteLine($"imapproxy {verb}: {e.Message} (see imapproxy {verb} --help)");
            return ExitCodes.Usage;
        }
        if (!File.Exists(Path.Combine(options.Data, SqliteEventStore.FileName)))
        {
            error.WriteLine($"imapproxy {verb}: no store in {options.Data} (run the proxy first, or pass --data DIR)");
            return ExitCodes.Unreadable;
        }
        // Ctrl+C or a service manager's SIGTERM: stop, store what was recorded, exit 0.
        using var cancel = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            cancel.Cancel();
        }
        try
        {
            using var store = new SqliteEventStore(new StorageOptions { DataDirectory = options.Data });
            var verdict = ReplayCheck.Check(store, options.Session);
            if (options.Check)
            {
                output.WriteLine($"client replay: {verdict.ClientReplay ?? "possible"}");
                output.WriteLine($"server replay: {verdict.ServerReplay ?? "possible"}");
                return ExitCodes.Ok;
            }
            var problem = verb == "replay" ? verdict.ClientReplay : verdict.ServerReplay;
            if (problem is not null)
            {
                error.WriteLine($"imapproxy {verb}: session {options.Session} cannot be replayed: {problem}");
                return ExitCodes.Unreadable;
            }
            if (verb == "replay" && options.Replay!.Password is null && Credentials.Needed(verdict.Session!))
                throw new ReplayException($"session {options.Session} logs in as {Credentials.CapturedUser(verdict.Session!) ?? "a user the capture does not show (give --user)"}: " +
                    "give the password with --password-env VAR or --password-file FILE");
            // The CA only for serving: a replay needs none, and must not create one as a side effect.
            using var authority = verb == "serve-capture" ? CertificateAuthority.LoadOrCreate(options.CaDir) : null;
            return await PrivateWriter.RunAsync(store, verb, async (bus, _) =>
            {
                await using var replays = new ReplayService(store, bus, DefaultLiteralCap, authority, output.WriteLine);
                return verb == "replay"
                    ? await ReplayAsync(replays, options, output, cancel.Token)
                    : await ServeAsync(replays, options, output, cancel.Token);
            });
        }
        catch (Exception e) when (e is ReplayException or EventStoreException or IOException or UnauthorizedAccessException
                                      or InvalidOperationException or CertificateAuthorityException)
        {
            error.WriteLine($"imapproxy {verb}: {e.Message}");
            return e is ReplayException ? ExitCodes.Usage : ExitCodes.Unreadable;
        }
    }

    /// <summary>Literal bytes kept in the store, as the proxy's --literal-cap default.</summary>
    private const long DefaultLiteralCap = 16L * 1024 * 1024;

    private static async Task<int> ReplayAsync(ReplayService replays, Options options, TextWriter output, CancellationToken ct)
    {
        var result = await replays.ReplayAsync(options.Session, options.Replay!, ct);
        if (options.Json) output.WriteLine(JsonSerializer.Serialize(result, Protocol.FrameJson.Options));
        else output.Write(ReplayReport.Text(result));
        return options.ExitCode && result.Differing > 0 ? Differences : ExitCodes.Ok;
    }

    private static async Task<int> ServeAsync(ReplayService replays, Options options, TextWriter output, CancellationToken ct)
    {
        var served = replays.Serve(options.Session, options.Serve!);
        output.WriteLine($"serving session {options.Session} on {served.Address} ({(served.Tls ? "implicit TLS" : "plaintext, STARTTLS available")}); " +
            "each connection is stored as a session; Ctrl+C stops");
        output.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
        }
        output.WriteLine($"served {replays.Serving.Single().Connections} connection(s)");
        return ExitCodes.Ok;
    }

    private sealed record Options(string Data, long Session, bool Check, bool Json, bool ExitCode, ReplayRequest? Replay, ServeRequest? Serve, string CaDir)
    {
        public static Options Parse(string verb, string[] args)
        {
            var values = new Dictionary<string, string>();
            var flags = new HashSet<string>();
            var positional = new List<string>();
            string[] valued = ["--data", "--to", "--tls", "--ca-file", "--user", "--password-env", "--password-file", "--idle-max", "--timeout",
                "--listen", "--timing", "--ca-dir"];
            string[] switches = verb == "replay"
                ? ["--check", "--insecure", "--new-tags", "--stop-on-error", "--strict", "--json", "--exit-code"]
                : ["--check", "--tls"];
            for (var i = 0; i < args.Length; i++)
            {
                var arg = args[i];
                if (switches.Contains(arg)) flags.Add(arg);
                else if (valued.Contains(arg))
                    values[arg] = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
                else if (arg.StartsWith('-')) throw new ArgumentException($"unknown option {arg}");
                else positional.Add(arg);
            }
            if (positional.Count != 1 || !long.TryParse(positional[0], out var session)) throw new ArgumentException("expected one SESSION id");
            var data = Path.GetFullPath(values.GetValueOrDefault("--data", "data"));
            var caDir = Path.GetFullPath(values.GetValueOrDefault("--ca-dir", "certs"));
            if (flags.Contains("--check")) return new Options(data, session, true, false, false, null, null, caDir);
            if (verb == "serve-capture")
            {
                var timing = values.GetValueOrDefault("--timing");
                if (timing is not (null or "original" or "none")) throw new ArgumentException("--timing must be original or none");
                var serve = new ServeRequest { Listen = values.GetValueOrDefault("--listen", "127.0.0.1:2143"), Tls = flags.Contains("--tls"), OriginalTiming = timing == "original" };
                return new Options(data, session, false, false, false, null, serve, caDir);
            }
            if (values.TryGetValue("--tls", out var tls) && tls is not ("implicit" or "starttls" or "none"))
                throw new ArgumentException($"--tls must be implicit, starttls or none, not '{tls}'");
            var replay = new ReplayRequest
            {
                To = values.GetValueOrDefault("--to"), Tls = values.GetValueOrDefault("--tls"), CaFile = values.GetValueOrDefault("--ca-file"),
                Insecure = flags.Contains("--insecure"), User = values.GetValueOrDefault("--user"), Password = ReadPassword(values),
                NewTags = flags.Contains("--new-tags"), StopOnError = flags.Contains("--stop-on-error"), Strict = flags.Contains("--strict"),
                IdleMaxSeconds = values.TryGetValue("--idle-max", out var idle) ? ProxySettings.Duration(idle, "--idle-max").TotalSeconds : null,
                TimeoutSeconds = values.TryGetValue("--timeout", out var timeout) ? ProxySettings.Duration(timeout, "--timeout").TotalSeconds : null,
            };
            return new Options(data, session, false, flags.Contains("--json"), flags.Contains("--exit-code"), replay, null, caDir);
        }

        private static string? ReadPassword(Dictionary<string, string> values)
        {
            if (values.TryGetValue("--password-env", out var variable))
                return Environment.GetEnvironmentVariable(variable) ?? throw new ArgumentException($"--password-env: the environment variable {variable} is not set");
            if (!values.TryGetValue("--password-file", out var file)) return null;
            try
            {
                return File.ReadLines(file).FirstOrDefault() ?? throw new ArgumentException($"--password-file: {file} is empty");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"--password-file: cannot read {file}: {e.Message}");
            }
        }
    }
}
