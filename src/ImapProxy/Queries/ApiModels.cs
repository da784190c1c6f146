using System.Text.Json;
using ImapProxy.Protocol;
using ImapProxy.Recording.Events;
using ImapProxy.Storage;

namespace ImapProxy.Queries;

// What the API and the CLI's --json hand out: their own shapes, apart from the store's rows (a column can be
// renamed without changing the API, and the API can say things the tables do not hold).

/// <summary>A session as the API and the CLI show it.</summary>
public sealed record SessionView
{
    public required long Id { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public bool Live => EndedAt is null;
    public string? ClientAddress { get; init; }
    public string? ListenerAddress { get; init; }
    public string? Listener { get; init; }
    public string? Upstream { get; init; }

    /// <summary>The TLS modes the session was started with: implicit, starttls or none upstream; mirror or none for the
    /// client; "unknown" where the source cannot know (a rawlog import).</summary>
    public string? UpstreamTls { get; init; }
    public string? ClientTls { get; init; }
    public bool UpstreamInsecure { get; init; }

    /// <summary>What each leg negotiated ("Tls13"), "failed", or null for plaintext.</summary>
    public string? ClientLegTls { get; init; }
    public string? UpstreamLegTls { get; init; }
    public string? User { get; init; }
    public string? State { get; init; }
    public string? Mailbox { get; init; }
    public string? CloseReason { get; init; }
    public string? CloseDetail { get; init; }
    public long? ClientBytes { get; init; }
    public long? ServerBytes { get; init; }
    public long Events { get; init; }
    public long Commands { get; init; }
    public long Failures { get; init; }
    public long Anomalies { get; init; }
    public long DroppedEvents { get; init; }
    public bool CaptureIncomplete { get; init; }

    /// <summary>Findings of warning or error severity (the findings engine's, see <see cref="FindingView"/>).</summary>
    public long Findings { get; init; }

    /// <summary>The mail client, from its ID command or its tag style ("MailKit (by its tags)").</summary>
    public string? ClientApp { get; init; }

    /// <summary>A fault rule altered what the client received (the proxy actions "fault" say what).</summary>
    public bool Altered { get; init; }

    /// <summary>The server name the client's TLS ClientHello asked for, and the hello's JA4 fingerprint (client leg).</summary>
    public string? ClientSni { get; init; }
    public string? ClientJa4 { get; init; }

    public static SessionView From(SessionRow r) => new()
    {
        Id = r.Id, StartedAt = r.StartedAt, EndedAt = r.EndedAt, ClientAddress = r.ClientAddress, ListenerAddress = r.ListenerAddress,
        Listener = r.Listener, Upstream = r.Upstream, UpstreamTls = r.UpstreamTls, ClientTls = r.ClientTls, UpstreamInsecure = r.UpstreamInsecure,
        ClientLegTls = r.ClientLegTls, UpstreamLegTls = r.UpstreamLegTls, User = r.User, State = r.State, Mailbox = r.Mailbox,
        CloseReason = r.CloseReason, CloseDetail = r.CloseDetail, ClientBytes = r.ClientBytes, ServerBytes = r.ServerBytes, Events = r.Events,
        Commands = r.Commands, Failures = r.Failures, Anomalies = r.Anomalies, DroppedEvents = r.DroppedEvents, CaptureIncomplete = r.CaptureIncomplete,
        Findings = r.Findings, ClientApp = r.ClientApp, Altered = r.Altered, ClientSni = r.ClientSni, ClientJa4 = r.ClientJa4,
    };
}

/// <summary>An event as the API returns it: the columns lists show, and the whole event in its JSON form.</summary>
public sealed record EventView(long Sequence, DateTimeOffset Time, string Source, string Type, string? Kind, string? Tag, string? Name,
    string? Status, double? LatencyMs, JsonElement Event)
{
    // The event goes out in the one JSON form events have (FrameJson's), not re-shaped by the API's serializer.
    public static EventView From(EventRow e) => new(e.Sequence, e.Time, e.Source, e.Type, e.Kind, e.Tag, e.Name, e.Status,
        e.Latency?.TotalMilliseconds, JsonDocument.Parse(e.Json, FrameJson.DocumentOptions).RootElement.Clone());
}

/// <summary>What the findings engine concluded, and the events (by sequence number) that prove it.</summary>
public sealed record FindingView(long Sequence, DateTimeOffset Time, string Rule, string Severity, string? Rfc, string Message,
    string? ClientImpact, IReadOnlyList<long> Evidence)
{
    public static FindingView From(FindingReported f) => new(f.Sequence, f.Time, f.Rule,
        f.Severity.ToString().ToLowerInvariant(), f.Rfc, f.Message, f.ClientImpact, f.Evidence);
}

/// <summary>One rule across the stored sessions: how often, in how many sessions, first and last seen.</summary>
public sealed record FindingTotalView(string Rule, string Severity, long Count, long Sessions, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

public sealed record SessionPage(IReadOnlyList<SessionView> Sessions, long? Next);

public sealed record EventPage(IReadOnlyList<EventView> Events, long? Next);

/// <summary>Where a filter is wrong and why, for the filter bar, a 400 problem and a CLI line alike.</summary>
public sealed record FilterError(int Position, int Length, string Message);
