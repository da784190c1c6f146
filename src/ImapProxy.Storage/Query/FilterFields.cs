using System.Text;
using System.Text.Json;

namespace ImapProxy.Storage.Query;

/// <summary>A field of the filter language: its name, its help line and how it compiles a term.</summary>
public sealed class FilterField(string name, string help, string example, bool comparable,
    Func<Comparison, string, int, FilterCondition> compile)
{
    public string Name { get; } = name;
    public string Help { get; } = help;
    public string Example { get; } = example;

    /// <summary>Accepts &gt;, &gt;=, &lt;, &lt;= besides ':'.</summary>
    public bool Comparable { get; } = comparable;

    internal FilterCondition Compile(Comparison comparison, string value, int position) => compile(comparison, value, position);
}

/// <summary>
/// The one registry of fields (mitmproxy's flowfilter habit): the parser, both evaluators and the help text
/// all come from here. Each field's in-memory and SQL forms are written side by side so they stay alike:
/// ASCII-only case folding, NULL never true (each SQL term is wrapped in coalesce(..., 0) by the caller).
/// </summary>
public static class FilterFields
{
    public static IReadOnlyList<FilterField> All { get; } =
    [
        new("cmd", "command name; FETCH also matches UID FETCH, \"UID FETCH\" only the UID form; alternatives with |", "cmd:FETCH|STORE", false, Command),
        new("status", "completion or response status: ok, no, bad, bye, preauth (TLS handshakes: ok, failed)", "status:!OK", false,
            (_, v, _) => Text(FilterLevel.Event, (_, e) => e!.Status, "e.status", v)),
        new("user", "the user the session authenticated as; * is a wildcard", "user:alice", false,
            (_, v, _) => Text(FilterLevel.Session, (s, _) => s.User, "s.user", v)),
        new("client", "client IP address (any port), or address:port; * is a wildcard", "client:10.0.0.5", false,
            (_, v, _) => Address(s => s.ClientAddress, "s.client_address", v)),
        new("server", "upstream host (any port), or host:port", "server:imap.example.com", false,
            (_, v, _) => Address(s => s.Upstream, "s.upstream", v)),
        new("mailbox", "the mailbox the session selected last", "mailbox:INBOX", false,
            (_, v, _) => Text(FilterLevel.Session, (s, _) => s.Mailbox, "s.mailbox", v)),
        new("tag", "command tag (commands, their responses and completions)", "tag:a12", false,
            (_, v, _) => Text(FilterLevel.Event, (_, e) => e!.Tag, "e.tag", v)),
        new("latency", "time from a command to its completion (us, ms, s, m; default ms)", "latency>500ms", true,
            (c, v, p) => Number(FilterLevel.Event, (_, e) => e!.Latency is { } l ? (long)l.TotalMicroseconds : null, "e.latency_us", c, FilterValues.Duration(v, p))),
        new("size", "bytes of a command or response, literals included (B, KB, MB, KiB, MiB...)", "size>1MB", true,
            (c, v, p) => Number(FilterLevel.Event, (_, e) => FrameLength(e!), "json_extract(e.json, '$.frame.length')", c, FilterValues.Size(v, p))),
        new("bytes", "bytes relayed by the session, both directions", "bytes>10MB", true,
            (c, v, p) => Number(FilterLevel.Session, (s, _) => (s.ClientBytes ?? 0) + (s.ServerBytes ?? 0),
                "(coalesce(s.client_bytes, 0) + coalesce(s.server_bytes, 0))", c, FilterValues.Size(v, p))),
        new("dir", "who sent it: client, server or proxy", "dir:client|server", false,
            (_, v, p) => v is "client" or "server" or "proxy"
                ? Text(FilterLevel.Event, (_, e) => e!.Source, "e.source", v)
                : throw FilterValues.Bad(v, p, "client, server or proxy")),
        new("text", "text of commands and responses as parsed (not literal bodies); a bare word means text:word", "text:BODYSTRUCTURE", false,
            (_, v, _) => Contains(v)),
        new("body", "bytes inside stored commands and responses, literal bodies included (slower; case-sensitive)", "body:\"Subject: hello\"", false,
            (_, v, _) => Body(v)),
        new("anomaly", "frames with a diagnostic: * for any, or a rule id such as unescaped-quote", "anomaly:*", false,
            (_, v, _) => Anomaly(v)),
        new("tls", "TLS of the legs: none, client, upstream, both, failed", "tls:none", false, Tls),
        new("session", "session id", "session:42", true,
            (c, v, p) => Number(FilterLevel.Session, (s, _) => s.Id, "s.id", c, FilterValues.Integer(v, p))),
        new("after", "at or after a UTC time: events by their time, sessions by their start", "after:2026-11-25T10:00", false,
            (_, v, p) => Time(FilterValues.Time(v, p), after: true)),
        new("before", "before a UTC time: events by their time, sessions by their start", "before:2026-11-26", false,
            (_, v, p) => Time(FilterValues.Time(v, p), after: false)),
    ];

    public static FilterField? Find(string name) => All.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The help shown by the CLI, the API and the dashboard.</summary>
    public static string HelpText { get; } = BuildHelp();

    private static string BuildHelp()
    {
        var help = new StringBuilder();
        help.AppendLine("Filter: terms field:value, combined with and, or, not and parentheses (not binds tightest, then and,");
        help.AppendLine("then or; terms side by side mean and). A bare word searches text. Values: word, \"quoted text\",");
        help.AppendLine("a|b for either, !value for not, * as a wildcard in names. Numbers compare with > >= < <=.");
        help.AppendLine("On the session list, a session matches when its own fields match and, for event fields, one of its");
        help.AppendLine("events does.");
        help.AppendLine();
        foreach (var field in All) help.AppendLine($"  {field.Name,-9} {field.Help}. Example: {field.Example}");
        help.AppendLine();
        help.AppendLine("Examples: cmd:FETCH and latency>500ms · status:!OK · user:alice not dir:proxy · (cmd:SELECT or cmd:EXAMINE) mailbox:INBOX");
        return help.ToString();
    }

    // ---- the kinds of condition ----

    private static FilterCondition Text(FilterLevel level, Func<SessionRow, EventRow?, string?> get, string column, string value)
    {
        if (value.Contains('*'))
        {
            var like = AsciiText.LikePattern(value);
            return new(level, (s, e, _) => AsciiText.Glob(get(s, e), value), sql => $"{column} LIKE {sql.Param(like)} ESCAPE '\\'");
        }
        return new(level, (s, e, _) => AsciiText.EqualsIgnoreCase(get(s, e), value), sql => $"lower({column}) = lower({sql.Param(value)})");
    }

    /// <summary>"host:port" columns: the value matches the host with any port, or the whole address.</summary>
    private static FilterCondition Address(Func<SessionRow, string?> get, string column, string value)
    {
        string[] globs = [value, value + ":*", "[" + value + "]:*"];
        return new(FilterLevel.Session,
            (s, _, _) => globs.Any(g => AsciiText.Glob(get(s), g)),
            sql => "(" + string.Join(" OR ", globs.Select(g => $"{column} LIKE {sql.Param(AsciiText.LikePattern(g))} ESCAPE '\\'")) + ")");
    }

    private static FilterCondition Number(FilterLevel level, Func<SessionRow, EventRow?, long?> get, string expression, Comparison comparison, long value)
    {
        var op = comparison switch
        {
            Comparison.Greater => ">",
            Comparison.GreaterOrEqual => ">=",
            Comparison.Less => "<",
            Comparison.LessOrEqual => "<=",
            _ => "=",
        };
        return new(level, (s, e, _) => get(s, e) is { } actual && comparison switch
        {
            Comparison.Greater => actual > value,
            Comparison.GreaterOrEqual => actual >= value,
            Comparison.Less => actual < value,
            Comparison.LessOrEqual => actual <= value,
            _ => actual == value,
        }, sql => $"{expression} {op} {sql.Param(value)}");
    }

    private static FilterCondition Command(Comparison _, string value, int position)
    {
        // RFC 3501 §6.4.8: UID FETCH is FETCH by UID; "cmd:FETCH" means both, "cmd:UID FETCH" only the UID form.
        var upper = value.ToUpperInvariant();
        string[] names = upper.Contains(' ') ? [upper] : [upper, "UID " + upper];
        return new(FilterLevel.Event,
            (_, e, _) => e!.Type is "frame" && e.Kind == "command" || e!.Type == "command-completed" ? names.Any(n => AsciiText.EqualsIgnoreCase(e.Name, n)) : false,
            sql => "((e.type = 'frame' AND e.kind = 'command') OR e.type = 'command-completed') AND upper(e.name) IN ("
                   + string.Join(", ", names.Select(n => sql.Param(n))) + ")");
    }

    private static FilterCondition Contains(string value) => new(FilterLevel.Event,
        (_, e, _) => AsciiText.ContainsIgnoreCase(e!.Json, value),
        sql => $"instr(lower(e.json), lower({sql.Param(value)})) > 0");

    private static FilterCondition Anomaly(string value)
    {
        var needle = value == "*" ? "\"diagnostics\":[" : $"\"rule\":\"{value}\"";
        return new(FilterLevel.Event, (_, e, _) => e!.Json.Contains(needle, StringComparison.Ordinal), sql => $"instr(e.json, {sql.Param(needle)}) > 0");
    }

    /// <summary>A stored raw row overlapping the frame contains the bytes (rows hold up to 64 KiB each).</summary>
    private static FilterCondition Body(string value)
    {
        var needle = Encoding.UTF8.GetBytes(value);
        return new(FilterLevel.Event,
            (_, e, context) => e!.Type == "frame" && context.RawRows is { } rows && rows(e).Any(row => row.AsSpan().IndexOf(needle) >= 0),
            sql => "e.type = 'frame' AND EXISTS (SELECT 1 FROM raw r WHERE r.session_id = e.session_id AND r.direction = e.source"
                   + " AND r.offset < e.offset + json_extract(e.json, '$.frame.length') AND r.offset + length(r.data) > e.offset"
                   + $" AND instr(r.data, {sql.Param(needle)}) > 0)");
    }

    private static FilterCondition Tls(Comparison _, string value, int position)
    {
        static bool On(string? leg) => leg is not null && leg != "failed";
        const string client = "(s.client_leg_tls IS NOT NULL AND s.client_leg_tls <> 'failed')";
        const string upstream = "(s.upstream_leg_tls IS NOT NULL AND s.upstream_leg_tls <> 'failed')";
        (Func<SessionRow, bool> Memory, string Sql) test = value.ToLowerInvariant() switch
        {
            "none" => (s => !On(s.ClientLegTls) && !On(s.UpstreamLegTls), $"NOT {client} AND NOT {upstream}"),
            "client" => (s => On(s.ClientLegTls), client),
            "upstream" => (s => On(s.UpstreamLegTls), upstream),
            "both" => (s => On(s.ClientLegTls) && On(s.UpstreamLegTls), $"{client} AND {upstream}"),
            "failed" => (s => s.ClientLegTls == "failed" || s.UpstreamLegTls == "failed", "(s.client_leg_tls = 'failed' OR s.upstream_leg_tls = 'failed')"),
            _ => throw FilterValues.Bad(value, position, "none, client, upstream, both or failed"),
        };
        return new(FilterLevel.Session, (s, _, _) => test.Memory(s), _ => test.Sql);
    }

    private static FilterCondition Time(DateTimeOffset time, bool after)
    {
        var text = Sqlite.StoredText.Time(time);
        var op = after ? ">=" : "<";
        bool Compare(DateTimeOffset t) => after ? t >= time : t < time;
        return new(FilterLevel.Event, (_, e, _) => Compare(e!.Time), sql => $"e.time {op} {sql.Param(text)}")
        {
            ForSessions = new(FilterLevel.Session, (s, _, _) => Compare(s.StartedAt), sql => $"s.started_at {op} {sql.Param(text)}"),
        };
    }

    private static long? FrameLength(EventRow e)
    {
        if (e.Type != "frame") return null;
        using var json = JsonDocument.Parse(e.Json);
        return json.RootElement.TryGetProperty("frame", out var frame) && frame.TryGetProperty("length", out var length) ? length.GetInt64() : null;
    }
}
