using ImapProxy.Capture;
using ImapProxy.Capture.Faults;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Tls;
using ImapProxy.Cli;
using ImapProxy.Configuration;
using ImapProxy.Replay;
using ImapProxy.Replay.Client;
using ImapProxy.Replay.Server;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Replays;

/// <summary>What the dashboard and the API ask of a client replay. Times in seconds, as JSON likes them.</summary>
public sealed record ReplayRequest
{
    /// <summary>HOST:PORT of the server to replay against; by default the session's own upstream.</summary>
    public string? To { get; init; }

    /// <summary>implicit, starttls or none; by default the session's own for its upstream, else implicit for port 993, else starttls.</summary>
    public string? Tls { get; init; }

    public string? CaFile { get; init; }
    public bool Insecure { get; init; }

    /// <summary>By default the captured user.</summary>
    public string? User { get; init; }

    /// <summary>Used for this replay only: never stored (the capture redacts it like any other).</summary>
    public string? Password { get; init; }

    public bool NewTags { get; init; }
    public double? IdleMaxSeconds { get; init; }

    /// <summary>Silence after which an answer counts as missing (<see cref="Defaults.ReplayTimeout"/> by default).</summary>
    public double? TimeoutSeconds { get; init; }
    public bool StopOnError { get; init; }
    public bool Strict { get; init; }

    /// <summary>SELECT as EXAMINE, commands that change mailboxes skipped: the server is left as it was.</summary>
    public bool ReadOnly { get; init; }
}

/// <summary>What the dashboard and the API ask of a server replay.</summary>
public sealed record ServeRequest
{
    /// <summary>ADDR:PORT; by default 127.0.0.1 on a free port.</summary>
    public string? Listen { get; init; }

    public bool Tls { get; init; }
    public bool OriginalTiming { get; init; }
}

/// <summary>A capture being served by the running host.</summary>
public sealed record ServedCapture(int Id, long SessionId, string Address, bool Tls, bool OriginalTiming, int Connections);

/// <summary>
/// Replays for the running host: they record through its bus, so the live views show them like any session. Served
/// captures run until stopped or until the host stops.
/// </summary>
/// <param name="authority">Mints certificates for served captures; without it, serving with TLS is refused.</param>
/// <param name="log">Told of each served connection's start and end.</param>
/// <summary>How the proxy itself trusts its upstream (--upstream-ca, --upstream-insecure): a replay against that server
/// trusts it the same way unless told otherwise, as a web-form user who never typed those flags expects.</summary>
public sealed record ProxyUpstreamTrust(UpstreamEndpoint Upstream, string? CaFile, bool Insecure);

/// <param name="faults">Fault rules for served captures, as for the relay's sessions.</param>
public sealed class ReplayService(SqliteEventStore store, EventBus bus, long literalCaptureLimit, CertificateAuthority? authority,
    Action<string>? log = null, ProxyUpstreamTrust? proxyTrust = null, FaultRuleSet? faults = null) : IAsyncDisposable
{
    private readonly Dictionary<int, CaptureServer> servers = [];
    private int nextServer;

    public ReplayVerdict Check(long sessionId) => ReplayCheck.Check(store, sessionId);

    /// <summary>Runs a client replay. Reasons it cannot run (eligibility, options, the server) throw <see cref="ReplayException"/>.</summary>
    public Task<ClientReplayResult> ReplayAsync(long sessionId, ReplayRequest request, CancellationToken ct)
    {
        var verdict = Check(sessionId);
        if (verdict.ClientReplay is { } problem) throw new ReplayException(problem);
        var session = verdict.Session!;
        var original = OriginalUpstream(sessionId);
        UpstreamEndpoint target;
        try
        {
            target = NullIfEmpty(request.To) is { } to ? SettingValues.Upstream(to, "the server")
                : original?.Target ?? throw new ReplayException($"session {sessionId} has no upstream to dial (it was imported or served): give the server");
        }
        catch (SettingsException e)
        {
            throw new ReplayException(e.Message);
        }
        var ownTrust = proxyTrust is { } own && own.Upstream == target && NullIfEmpty(request.CaFile) is null && !request.Insecure ? own : null;
        var options = new ClientReplayOptions
        {
            Host = target.Host, Port = target.Port, CaFile = NullIfEmpty(request.CaFile) ?? ownTrust?.CaFile,
            Insecure = request.Insecure || ownTrust?.Insecure == true, NewTags = request.NewTags,
            StopOnError = request.StopOnError, Strict = request.Strict, ReadOnly = request.ReadOnly,
            IdleMax = Seconds(request.IdleMaxSeconds, Defaults.ReplayIdleMax, 0, "--idle-max"),
            ResponseTimeout = Seconds(request.TimeoutSeconds, Defaults.ReplayTimeout, 0.001, "--timeout"),
            Credentials = string.IsNullOrEmpty(request.Password) ? null
                : new Credentials(NullIfEmpty(request.User) ?? Credentials.CapturedUser(session) ?? throw new ReplayException("the capture shows no user name: give one"), request.Password),
        };
        // The session's own TLS mode goes with its own upstream; another server gets the port's default.
        if ((NullIfEmpty(request.Tls) ?? (target == original?.Target ? original.Value.Tls : null)) is { } tls)
            options = options with { Tls = SettingValues.TryChoice<UpstreamTlsMode>(tls, out var mode) ? mode : throw new ReplayException($"--tls: '{tls}' is not one of {SettingValues.Choices<UpstreamTlsMode>()}") };
        return ClientReplay.RunAsync(session, options, Recorder(), ct);
    }

    /// <summary>Where a session's proxy connected, and with what TLS; null for sessions with no upstream to dial.</summary>
    public (UpstreamEndpoint Target, string Tls)? OriginalUpstream(long sessionId)
    {
        if (store.GetSession(sessionId) is not { Upstream: { } upstream, UpstreamTls: { } tls }) return null;
        try
        {
            return (SettingValues.Upstream(upstream, "--upstream"), tls);
        }
        catch (SettingsException)
        {
            return null; // "name.in/.out" of an import, "capture of session 3" of a served capture
        }
    }

    private static TimeSpan Seconds(double? value, TimeSpan fallback, double min, string option) => value switch
    {
        null => fallback,
        // Timers take at most about 49 days; nobody means more than a day here.
        >= 0 and <= 86_400 and var seconds when seconds >= min => TimeSpan.FromSeconds(seconds),
        _ => throw new ReplayException($"{option} must be between {min} and 86400 seconds"),
    };

    /// <summary>Starts serving a capture; a port in use or an ineligible session throws <see cref="ReplayException"/>.</summary>
    public ServedCapture Serve(long sessionId, ServeRequest request)
    {
        var verdict = Check(sessionId);
        if (verdict.ServerReplay is { } problem) throw new ReplayException(problem);
        System.Net.IPEndPoint listen;
        try
        {
            listen = SettingValues.EndPoint(NullIfEmpty(request.Listen) ?? "127.0.0.1:0", "listen");
        }
        catch (SettingsException e)
        {
            throw new ReplayException(e.Message);
        }
        var server = CaptureServer.Start(verdict.Session!, new ServeOptions
        {
            Listen = listen, Tls = request.Tls, OriginalTiming = request.OriginalTiming, Authority = authority, Log = log, Faults = faults,
        }, Recorder());
        lock (servers)
        {
            servers[++nextServer] = server;
            return View(nextServer, server);
        }
    }

    public IReadOnlyList<ServedCapture> Serving
    {
        get
        {
            lock (servers) return servers.Select(s => View(s.Key, s.Value)).ToList();
        }
    }

    /// <summary>Stops a served capture; false when there is none with that id.</summary>
    public async Task<bool> StopAsync(int id)
    {
        CaptureServer? server;
        lock (servers)
        {
            if (!servers.Remove(id, out server)) return false;
        }
        await server.DisposeAsync();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in Serving.Select(s => s.Id)) await StopAsync(id);
    }

    private ReplayRecorder Recorder() => new(store, bus, literalCaptureLimit);

    private static ServedCapture View(int id, CaptureServer server) =>
        new(id, server.Session.Id, server.EndPoint.ToString(), server.Options.Tls, server.Options.OriginalTiming, server.Served);

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
