using System.Runtime.InteropServices;
using System.Text.Json;
using ImapProxy.Capture.Faults;
using ImapProxy.Tls;
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
    /// <summary>What the command line asks of a replay or a served capture.</summary>
    /// <param name="Replay">The client replay's request (replay without --check).</param>
    /// <param name="Serve">The served capture's request (serve-capture without --check).</param>
    public sealed record Options(string Data, long Session, bool Check, bool Json, bool ExitCode, ReplayRequest? Replay, ServeRequest? Serve, string CaDir,
        IReadOnlyList<FaultRule>? Faults = null);

    public static async Task<int> RunAsync(string verb, Options options, TextWriter output, TextWriter error)
    {
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
                if (verdict.MailboxChanges is { } changes) output.WriteLine($"changes the server's mailboxes: {changes} (--read-only skips them)");
                return ExitCodes.Ok;
            }
            var problem = verb == "replay" ? verdict.ClientReplay : verdict.ServerReplay;
            if (problem is not null)
            {
                error.WriteLine($"imapproxy {verb}: session {options.Session} cannot be replayed: {problem}");
                return ExitCodes.Unreadable;
            }
            if (verb == "replay" && verdict.MailboxChanges is { } changing && !options.Replay!.ReadOnly)
                error.WriteLine($"imapproxy replay: warning: this replay changes the server's mailboxes: {changing}; " +
                                "--read-only sends SELECT as EXAMINE and skips those commands");
            if (verb == "replay" && options.Replay!.Password is null && Credentials.Needed(verdict.Session!))
                throw new ReplayException($"session {options.Session} logs in as {Credentials.CapturedUser(verdict.Session!) ?? "a user the capture does not show (give --user)"}: " +
                    "give the password with --password-env VAR or --password-file FILE");
            // The CA only for serving: a replay needs none, and must not create one as a side effect.
            using var authority = verb == "serve-capture" ? CertificateAuthority.LoadOrCreate(options.CaDir) : null;
            return await PrivateWriter.RunAsync(store, verb, async (bus, _) =>
            {
                await using var replays = new ReplayService(store, bus, Defaults.LiteralCap, authority, output.WriteLine,
                    faults: new FaultRuleSet(options.Faults));
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

    private static async Task<int> ReplayAsync(ReplayService replays, Options options, TextWriter output, CancellationToken ct)
    {
        var result = await replays.ReplayAsync(options.Session, options.Replay!, ct);
        if (options.Json) output.WriteLine(JsonSerializer.Serialize(result, Protocol.FrameJson.Options));
        else output.Write(ReplayReport.Text(result));
        return options.ExitCode && result.Differing > 0 ? ExitCodes.Differences : ExitCodes.Ok;
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
}
