using ImapProxy.Recording.Findings;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Storage.Writing;
using ImapProxy.Storage.Sqlite;
using static ImapProxy.Storage.Query.FilterCondition;

namespace ImapProxy.Storage.Query;

/// <summary>The fields whose condition is more than one column matched one way; each in-memory form beside its SQL.</summary>
internal static class FieldConditions
{
    /// <summary>
    /// Command frames and completions by name. RFC 3501 §6.4.8: UID FETCH is FETCH by UID, so cmd:FETCH means both
    /// (column command, the name without "UID ": one equality that events_by_command walks in order) and
    /// cmd:"UID FETCH" only the UID form (command and name). A pattern matches the name with or without "UID ".
    /// </summary>
    public static FilterCondition Command(TermSyntax t)
    {
        var exact = t.Values.Where(v => !v.IsPattern).Select(v => AsciiText.Upper(v.Text)).ToList();
        var plain = exact.Where(n => !n.StartsWith("UID ", StringComparison.Ordinal)).Distinct().ToList();
        var uid = exact.Where(n => n.StartsWith("UID ", StringComparison.Ordinal)).Distinct().ToList();
        var patterns = t.Values.Where(v => v.IsPattern).SelectMany(v => new[] { v.Text, "UID " + v.Text }).ToList();

        bool Any(string name, string command) =>
            plain.Contains(command) || uid.Contains(name) || patterns.Any(p => AsciiText.Glob(name, p));
        string AnySql(SqlParameters p)
        {
            var parts = new List<string>();
            if (plain.Count > 0) parts.Add($"e.command IN ({p.List(plain)})");
            parts.AddRange(uid.Select(n => $"(e.command = {p.Add(n[4..])} AND e.name = {p.Add(n)})"));
            parts.AddRange(patterns.Select(n => $"(e.command IS NOT NULL AND e.name {p.Dialect.LikeIgnoringCase} {p.Add(AsciiText.LikePattern(n))} ESCAPE '\\')"));
            return parts.Count == 1 ? parts[0] : "(" + string.Join(" OR ", parts) + ")";
        }
        return OfEvent(
            // An event has a command only when it has a name (EventFacts.Command).
            (e, _) => EventFacts.Command(e) is { } command && Any(e.Name!, command) != t.Negated,
            p => t.Negated ? $"(e.command IS NOT NULL AND NOT {AnySql(p)})" : AnySql(p));
    }

    /// <summary>
    /// status: the tagged completion only (RFC 9051 §7.1: a command's result is its tagged OK, NO or BAD), so that
    /// status:!OK finds failed commands, not every session that logged out (LOGOUT's untagged BYE). Tagged response
    /// frames and completions are the events with both a tag and a status.
    /// </summary>
    public static FilterCondition TaggedStatus(TermSyntax t)
    {
        foreach (var untagged in t.Values.Where(v => AsciiText.Lower(v.Text) is "bye" or "preauth"))
            throw new FilterException(untagged.Position, untagged.Length,
                $"status is how a command completed (ok, no, bad); {untagged.Text} is only ever untagged: write untagged:{untagged.Text}");
        return Status(t, e => e.Tag is not null, "e.tag IS NOT NULL");
    }

    /// <summary>untagged: the status of untagged responses and the greeting, which are frames without a tag.</summary>
    public static FilterCondition UntaggedStatus(TermSyntax t) => Status(t, e => e is { Type: "frame", Tag: null }, "e.type = 'frame' AND e.tag IS NULL");

    private static FilterCondition Status(TermSyntax t, Func<EventRow, bool> applies, string appliesSql)
    {
        var match = TextMatch.OneOf(t.Values.Where(v => !v.IsPattern).Select(t.Field.Choose), t.Values.Where(v => v.IsPattern).Select(v => v.Text), t.Negated);
        // Elsewhere the status is missing, and a missing value matches nothing, negated or not (TextMatch).
        return OfEvent((e, _) => match.Memory(applies(e) ? e.Status : null), p => match.Sql($"(CASE WHEN {appliesSql} THEN e.status END)", p));
    }

    /// <summary>"host:port" columns: a value matches the host or address with any port, or the whole text.</summary>
    public static FilterCondition Address(TermSyntax t, Func<SessionRow, string?> read, string column)
    {
        var match = TextMatch.OneOf([], t.Values.SelectMany(v => new[] { v.Text, v.Text + ":*", "[" + v.Text + "]:*" }), t.Negated);
        return OfSession(s => match.Memory(read(s)), p => match.Sql(column, p));
    }

    /// <summary>The session's last selected mailbox, or the mailbox argument of a command event.</summary>
    public static FilterCondition Mailbox(TermSyntax t)
    {
        var match = TextMatch.Equal(t);
        return Either(
            OfSession(s => match.Memory(s.Mailbox), p => match.Sql("s.mailbox", p)),
            OfEvent((e, _) => match.Memory(EventFacts.CommandMailbox(e)), p => match.Sql("e.command_mailbox", p)));
    }

    /// <summary>
    /// Events: a frame's length (column size). Sessions: bytes relayed both ways (while live, as far as the capture got).
    /// A term that can only match large frames also says so in the words of the partial index events_large, so the
    /// planner walks that index (few rows, already in page order) instead of reading every frame's JSON.
    /// </summary>
    public static FilterCondition Size(TermSyntax t)
    {
        var match = FilterFields.Numbers(t, FilterValues.Size);
        var large = !t.Negated && match.AtLeast(Schema.LargeFrameBytes);
        return OfEvent((e, _) => match.Memory(EventFacts.FrameLength(e)),
                p => large ? $"(e.size >= {Schema.LargeFrameBytes} AND {match.Sql("e.size", p)})" : match.Sql("e.size", p))
            .ForSessions(OfSession(s => match.Memory(s.ClientBytes + s.ServerBytes), p => match.Sql("(s.client_bytes + s.server_bytes)", p)));
    }

    public static FilterCondition Body(BodyMatch match) => OfEvent(match.Memory, match.Sql);

    /// <summary>
    /// text: the event's JSON contains a value, ignoring ASCII case. Where the store's text index has few candidates
    /// for the values (Sqlite/TextIndex.cs), SQL reads those rows only, and sessions are those of the matching
    /// events (an EXISTS per session would walk every session's events to find a rare text). The LIKE is checked on
    /// every row either way: the index chooses which rows are read, never which match.
    /// </summary>
    public static FilterCondition Text(TermSyntax t)
    {
        var match = TextMatch.Contains(t);
        var texts = t.Values.Select(v => v.Text).ToList();
        string? Candidates(SqlParameters p) => t.Negated ? null : p.TextIndex?.Candidates(texts, p);
        string EventSql(SqlParameters p, string? candidates) =>
            candidates is null ? match.Sql("e.json", p) : $"(e.rowid IN ({candidates}) AND {match.Sql("e.json", p)})";
        return OfEvent((e, _) => match.Memory(e.Json), p => EventSql(p, Candidates(p)),
            p => Candidates(p) is { } candidates
                ? $"s.id IN (SELECT e.session_id FROM events e WHERE {EventSql(p, candidates)})"
                : AnyEvent(EventSql(p, null)));
    }

    /// <summary>
    /// Frames the parser flagged (column anomalous, served by the partial index events_with_anomalies), and among
    /// them those with a rule. The JSON escapes every quote inside strings, so "rule":"id" can only be a diagnostic's
    /// rule: an ordinal substring test is exact, and the same in memory and in SQL.
    /// </summary>
    public static FilterCondition Anomaly(TermSyntax t)
    {
        var rules = Rules.All.Select(r => r.Id).ToList();
        var needles = t.Values.Where(v => v.Text != "*").Select(v => $"\"rule\":\"{Rule(v, rules)}\"").ToList();
        var any = needles.Count < t.Values.Count;
        if (any && t.Negated) throw new FilterException(t.Position, t.Length, "anomaly:!* matches nothing: for frames without anomalies, write not anomaly:*");
        bool Memory(EventRow e) => EventFacts.Anomalous(e) && (any || needles.Any(n => e.Json.Contains(n, StringComparison.Ordinal))) != t.Negated;
        string Sql(SqlParameters p)
        {
            // "e.anomalous" stands alone as a term, so that the planner sees it implies the partial index.
            if (any) return "e.anomalous";
            var found = "(" + string.Join(" OR ", needles.Select(n => $"{p.Dialect.Position("e.json", p.Add(n))} > 0")) + ")";
            return $"(e.anomalous AND {(t.Negated ? "NOT " : "")}{found})";
        }
        var condition = OfEvent((e, _) => Memory(e), Sql);
        // The session row counts its frames' diagnostics: anomaly:* on sessions needs no look at the events.
        return any ? condition.ForSessions(OfSession(s => s.Anomalies > 0, _ => "s.anomalies > 0")) : condition;
    }

    /// <summary>
    /// Findings: events of type 'finding' named by their rule (served by the partial index events_findings, whose
    /// condition "type = 'finding'" each form repeats). finding:!ID means the findings of other rules.
    /// </summary>
    public static FilterCondition Finding(TermSyntax t)
    {
        var rules = FindingRules.All.Select(r => r.Id).ToList();
        var named = t.Values.Where(v => v.Text != "*").Select(v => Rule(v, rules, "finding")).ToList();
        var any = named.Count < t.Values.Count;
        if (any && t.Negated) throw new FilterException(t.Position, t.Length, "finding:!* matches nothing: for sessions without findings, write not finding:*");
        return OfEvent(
            (e, _) => e.Type == "finding" && (any || named.Contains(e.Name!) != t.Negated),
            p => any ? "e.type = 'finding'" : $"(e.type = 'finding' AND e.name {(t.Negated ? "NOT " : "")}IN ({p.List(named)}))");
    }

    /// <summary>Findings by severity, which the finding's row keeps in its kind column.</summary>
    public static FilterCondition Severity(TermSyntax t)
    {
        var levels = t.Values.Select(t.Field.Choose).Distinct().ToList();
        return OfEvent(
            (e, _) => e.Type == "finding" && levels.Contains(e.Kind!) != t.Negated,
            p => $"(e.type = 'finding' AND e.kind {(t.Negated ? "NOT " : "")}IN ({p.List(levels)}))");
    }

    private static string Rule(TermValue value, IReadOnlyList<string> rules, string field = "anomaly")
    {
        var lower = AsciiText.Lower(value.Text);
        return rules.Contains(lower)
            ? lower
            : throw new FilterException(value.Position, Math.Max(value.Length, 1),
                $"'{value.Text}' is not a {(field == "anomaly" ? "rule" : field)}{Suggestion.For(value.Text, rules)}; {field}:* finds them all, the help lists them");
    }

    /// <summary>A leg "has TLS" when its handshake succeeded (the column holds the protocol, or "failed").</summary>
    public static FilterCondition Tls(TermSyntax t)
    {
        const string client = "(s.client_leg_tls IS NOT NULL AND s.client_leg_tls <> 'failed')";
        const string upstream = "(s.upstream_leg_tls IS NOT NULL AND s.upstream_leg_tls <> 'failed')";
        static bool On(string? leg) => leg is not null && leg != "failed";
        var tests = t.Values.Select(t.Field.Choose).Select(choice => choice switch
        {
            "none" => (Memory: (Func<SessionRow, bool>)(s => !On(s.ClientLegTls) && !On(s.UpstreamLegTls)), Sql: $"(NOT {client} AND NOT {upstream})"),
            "client" => (s => On(s.ClientLegTls), client),
            "upstream" => (s => On(s.UpstreamLegTls), upstream),
            "both" => (s => On(s.ClientLegTls) && On(s.UpstreamLegTls), $"({client} AND {upstream})"),
            _ => (s => s.ClientLegTls == "failed" || s.UpstreamLegTls == "failed", "(coalesce(s.client_leg_tls = 'failed', FALSE) OR coalesce(s.upstream_leg_tls = 'failed', FALSE))"),
        }).ToList();
        var sql = "(" + string.Join(" OR ", tests.Select(x => x.Sql)) + ")";
        return OfSession(s => tests.Any(x => x.Memory(s)) != t.Negated, _ => t.Negated ? $"(NOT {sql})" : sql);
    }

    /// <summary>Column altered: the session has a proxy action of a fault rule.</summary>
    public static FilterCondition Altered(TermSyntax t)
    {
        var choices = t.Values.Select(t.Field.Choose).ToHashSet();
        var (yes, no) = (choices.Contains("yes"), choices.Contains("no"));
        var sql = (yes, no) switch
        {
            (true, true) => "TRUE",
            (true, false) => "s.altered",
            _ => "NOT s.altered",
        };
        return OfSession(s => (s.Altered ? yes : no) != t.Negated, _ => t.Negated ? $"(NOT {sql})" : sql);
    }

    /// <summary>On events, e.session_id: the primary key serves it without the session row.</summary>
    public static FilterCondition SessionId(NumberMatch match) =>
        OfSession(s => match.Memory(s.Id), p => match.Sql("s.id", p), eventSql: p => match.Sql("e.session_id", p));

    /// <summary>
    /// Times are stored as fixed-width UTC text (StoredText.Time), so text order is time order and the same
    /// comparison holds on DateTimeOffset in memory. Sessions compare their start. An event also says that its
    /// session started before it and ended after it, which is always so (a session's events lie between its
    /// SessionOpened and its SessionClosed) but lets the store skip whole sessions instead of reading their events.
    /// </summary>
    public static FilterCondition Time(TermSyntax t, bool after)
    {
        if (t.Negated || t.Values.Count > 1)
            throw new FilterException(t.Position, t.Length, $"{t.Field.Name} takes one time, without ! or |: use after: and before:");
        var time = FilterValues.Time(t.Values[0]);
        var text = StoredText.Time(time);
        return after
            ? OfEventInSession((s, e) => e.Time >= time && (s.EndedAt is null || s.EndedAt >= time),
                p => $"(e.time >= {p.Add(text)} AND (s.ended_at IS NULL OR s.ended_at >= {p.Add(text)}))",
                OfSession(s => s.StartedAt >= time, p => $"s.started_at >= {p.Add(text)}"))
            : OfEventInSession((s, e) => e.Time < time && s.StartedAt < time,
                p => $"(e.time < {p.Add(text)} AND s.started_at < {p.Add(text)})",
                OfSession(s => s.StartedAt < time, p => $"s.started_at < {p.Add(text)}"));
    }
}
