using ImapProxy.Storage.Writing;
using static ImapProxy.Storage.Query.FilterCondition;

namespace ImapProxy.Storage.Query;

/// <summary>
/// The one registry of fields (mitmproxy's flowfilter habit): the parser, both evaluators and the help text all
/// come from here. Each field's in-memory and SQL forms sit side by side and use the same primitives
/// (<see cref="TextMatch"/>, <see cref="NumberMatch"/>), so they stay alike; the equivalence tests hold them to it.
/// </summary>
public static class FilterFields
{
    public static IReadOnlyList<FilterField> All { get; } =
    [
        new("cmd", FilterScope.Event, FilterValueKind.Name,
            "client commands and their completions by command name; FETCH also matches UID FETCH, \"UID FETCH\" only the UID form",
            "cmd:FETCH|STORE", FieldConditions.Command, aliases: ["command"]),
        new("status", FilterScope.Event, FilterValueKind.Choice,
            "how a command completed: the status of its tagged response (and of its completion); untagged responses are untagged:",
            "status:!OK", FieldConditions.TaggedStatus, choices: ["ok", "no", "bad"]),
        new("untagged", FilterScope.Event, FilterValueKind.Choice,
            "the status of an untagged response, the greeting included (* OK, * NO, * BAD, * PREAUTH, * BYE)",
            "untagged:BYE", FieldConditions.UntaggedStatus, choices: ["ok", "no", "bad", "preauth", "bye"]),
        new("user", FilterScope.Session, FilterValueKind.Name, "the user the session authenticated as", "user:alice",
            t => Session(TextMatch.Equal(t), s => s.User, "s.\"user\"")),
        new("client-app", FilterScope.Session, FilterValueKind.Name,
            "the mail client: the name it gave in ID (RFC 2971), or one its tags betray (MailKit, Python imaplib, curl)",
            "client-app:*iPhone*", t => Session(TextMatch.Equal(t), s => s.ClientApp, "s.client_app"), aliases: ["app"]),
        new("instance", FilterScope.Session, FilterValueKind.Name, "the proxy that relayed the session (its --instance name)", "instance:office-1",
            t => Session(TextMatch.Equal(t), s => s.Instance, "s.instance")),
        new("client", FilterScope.Session, FilterValueKind.Name, "the client's IP address (any port) or address:port",
            "client:10.0.0.5", t => FieldConditions.Address(t, s => s.ClientAddress, "s.client_address")),
        new("server", FilterScope.Session, FilterValueKind.Name, "the upstream server's host (any port) or host:port",
            "server:imap.example.com", t => FieldConditions.Address(t, s => s.Upstream, "s.upstream")),
        new("mailbox", FilterScope.Both, FilterValueKind.Name,
            "the mailbox the session selected last, or that a command names (SELECT, EXAMINE, STATUS, APPEND, CREATE, COPY...)",
            "mailbox:INBOX", FieldConditions.Mailbox),
        new("tag", FilterScope.Event, FilterValueKind.Name, "command tag: the command, its tagged response and its completion", "tag:a12",
            t => Event(TextMatch.Equal(t), e => e.Tag, "e.tag")),
        new("latency", FilterScope.Event, FilterValueKind.Duration, "command completions: time from the command to its tagged response",
            "latency>500ms",
            t => Event(Numbers(t, FilterValues.Duration), e => e.Latency is { } l ? StoredText.Microseconds(l) : null, "e.latency_us")),
        new("size", FilterScope.Both, FilterValueKind.Size,
            "events: bytes of a command or response, literals included; sessions: bytes relayed both ways (so far, while live)",
            "size>1MB", FieldConditions.Size),
        new("dir", FilterScope.Event, FilterValueKind.Choice, "who sent it: the client, the server, or the proxy itself", "dir:client|server",
            t => Event(TextMatch.OneOf(t.Values.Select(t.Field.Choose), [], t.Negated), e => e.Source, "e.source"),
            aliases: ["direction"], choices: ["client", "server", "proxy"]),
        new("text", FilterScope.Event, FilterValueKind.Text,
            "text of the event as parsed and stored (its JSON: commands, responses, TLS...), not literal bodies; no wildcards; " +
            "a bare word means text:word",
            "text:BODYSTRUCTURE", FieldConditions.Text),
        new("body", FilterScope.Event, FilterValueKind.Text,
            "the bytes of a command or response, literal bodies included, case-sensitive; slower; bytes past the capture's " +
            "literal cap are not kept, and text that straddles three storage rows (rare) is missed",
            "body:\"Subject: hello\"", t => FieldConditions.Body(BodyMatch.Of(t))),
        new("anomaly", FilterScope.Event, FilterValueKind.Rule,
            "frames the parser flagged as deviating from the RFCs: any of them (*), or those flagged with a rule",
            "anomaly:*", FieldConditions.Anomaly, aliases: ["rule"]),
        new("finding", FilterScope.Event, FilterValueKind.Finding,
            "what the findings engine concluded from the session (sizes against bytes, mailbox state, capabilities, how it " +
            "ended): any finding (*), or those of a rule",
            "finding:rfc822-size-mismatch", FieldConditions.Finding, aliases: ["findings"]),
        new("severity", FilterScope.Event, FilterValueKind.Choice,
            "findings of a severity: info (worth knowing), warning (a deviation clients may trip on), error (clients break)",
            "severity:error|warning", FieldConditions.Severity, choices: ["info", "warning", "error"]),
        new("tls", FilterScope.Session, FilterValueKind.Choice,
            "TLS of the session's legs: none (neither leg), client, upstream, both, failed (a handshake failed)", "tls:none",
            FieldConditions.Tls, choices: ["none", "client", "upstream", "both", "failed"]),
        new("sni", FilterScope.Session, FilterValueKind.Name,
            "the server name the client asked for in its TLS ClientHello (client leg): what the app dialled",
            "sni:imap.example.com", t => Session(TextMatch.Equal(t), s => s.ClientSni, "s.client_sni")),
        new("ja4", FilterScope.Session, FilterValueKind.Name,
            "the JA4 fingerprint of the client's TLS ClientHello (client leg): which TLS stack and app connected; * for a part",
            "ja4:t13d*", t => Session(TextMatch.Equal(t), s => s.ClientJa4, "s.client_ja4")),
        new("altered", FilterScope.Session, FilterValueKind.Choice,
            "sessions a fault rule altered (--fault): yes, or no for those relayed as the server sent them", "altered:yes",
            FieldConditions.Altered, choices: ["yes", "no"]),
        new("session", FilterScope.Session, FilterValueKind.Integer, "session id", "session:42",
            t => FieldConditions.SessionId(Numbers(t, FilterValues.Integer)), aliases: ["id"]),
        new("after", FilterScope.Both, FilterValueKind.Time, "at or after a time: events by their time, sessions by their start",
            "after:2026-11-25T10:00", t => FieldConditions.Time(t, after: true)),
        new("before", FilterScope.Both, FilterValueKind.Time, "before a time: events by their time, sessions by their start",
            "before:2026-11-26", t => FieldConditions.Time(t, after: false)),
    ];

    private static readonly Dictionary<string, FilterField> ByName =
        All.SelectMany(f => f.Names.Select(n => (Name: n, Field: f))).ToDictionary(n => n.Name, n => n.Field, StringComparer.OrdinalIgnoreCase);

    public static FilterField? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The field of bare words.</summary>
    public static FilterField TextField => ByName["text"];

    /// <summary>Every name and alias, for suggestions.</summary>
    public static IEnumerable<string> Names => ByName.Keys;

    /// <summary>The help shown by the CLI, the API and the dashboard (see <see cref="FilterHelp"/>).</summary>
    public static string HelpText => FilterHelp.Text;

    // ---- the usual shapes of a field ----

    private static FilterCondition Session(TextMatch match, Func<SessionRow, string?> read, string column) =>
        OfSession(s => match.Memory(read(s)), p => match.Sql(column, p));

    private static FilterCondition Event(TextMatch match, Func<EventRow, string?> read, string column) =>
        OfEvent((e, _) => match.Memory(read(e)), p => match.Sql(column, p));

    private static FilterCondition Event(NumberMatch match, Func<EventRow, long?> read, string column) =>
        OfEvent((e, _) => match.Memory(read(e)), p => match.Sql(column, p));

    internal static NumberMatch Numbers(TermSyntax t, Func<TermValue, long> read) => new(t.Comparison, t.Values.Select(read).ToList(), t.Negated);
}
