using System.Text.Json;
using ImapProxy.Dashboard;
using ImapProxy.Storage;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Import;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Cli;

/// <summary>
/// <c>imapproxy sessions | events | export | import</c>: the store from the command line, with the same filter
/// language as the dashboard and the API. Tables by default, JSON with --json. Safe while the proxy runs (WAL).
/// </summary>
internal static class StoreVerbs
{
    public const string Usage = """
        Usage: imapproxy sessions [--filter F] [--limit N] [--json] [--data DIR]
               imapproxy events SESSION [--filter F] [--limit N] [--json] [--data DIR]
               imapproxy export SESSION --format jsonl|transcript|rawlog|pcap [-o FILE] [--data DIR]
               imapproxy import rawlog BASE [--data DIR]

        sessions  newest first; events: a session's events in order (limit 100 and 1000 by default)
        export    writes to FILE, or to standard output
        import    turns a Dovecot rawlog pair (BASE.in, BASE.out) into a stored session and prints its id
        --filter  the filter language (imapproxy sessions --help-filter shows it)
        """;

    public static async Task<int> RunAsync(string verb, string[] args, TextWriter output, TextWriter error)
    {
        if (args is ["--help" or "-h", ..])
        {
            output.WriteLine(Usage);
            return ExitCodes.Ok;
        }
        if (args is ["--help-filter", ..])
        {
            output.WriteLine(FilterFields.HelpText);
            return ExitCodes.Ok;
        }
        Options options;
        try
        {
            options = Options.Parse(verb, args);
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"imapproxy {verb}: {e.Message} (see imapproxy {verb} --help)");
            return ExitCodes.Usage;
        }
        catch (FilterException e)
        {
            error.WriteLine($"imapproxy {verb}: bad filter at position {e.Position}: {e.Message}");
            return ExitCodes.Usage;
        }

        if (verb != "import" && !File.Exists(Path.Combine(options.Data, SqliteEventStore.FileName)))
        {
            error.WriteLine($"imapproxy {verb}: no store in {options.Data} (run the proxy first, or pass --data DIR)");
            return ExitCodes.Unreadable;
        }
        try
        {
            using var store = new SqliteEventStore(new StorageOptions { DataDirectory = options.Data });
            var queries = new QueryService(store);
            switch (verb)
            {
                case "sessions":
                    Print(output, options.Json, queries.Sessions(options.Filter, options.Limit ?? 100).Rows, SessionTable);
                    return ExitCodes.Ok;
                case "events":
                    if (store.GetSession(options.Session) is null) return Missing(error, verb, options.Session);
                    Print(output, options.Json, queries.Events(options.Session, options.Filter, options.Limit ?? 1000).Rows, EventTable);
                    return ExitCodes.Ok;
                case "export":
                    if (store.GetSession(options.Session) is null) return Missing(error, verb, options.Session);
                    await using (var destination = options.Output is null ? Console.OpenStandardOutput() : File.Create(options.Output))
                        await SessionExport.WriteAsync(options.Format, store, options.Session, destination);
                    if (options.Output is not null) error.WriteLine($"wrote {options.Output}");
                    return ExitCodes.Ok;
                default:
                    var id = await RawlogImport.ImportAsync(store, options.Base!);
                    output.WriteLine(id);
                    return ExitCodes.Ok;
            }
        }
        catch (Exception e) when (e is EventStoreException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"imapproxy {verb}: {e.Message}");
            return ExitCodes.Unreadable;
        }
    }

    private static int Missing(TextWriter error, string verb, long id)
    {
        error.WriteLine($"imapproxy {verb}: no session {id}");
        return ExitCodes.Unreadable;
    }

    private static void Print<T>(TextWriter output, bool json, IReadOnlyList<T> rows, Func<IReadOnlyList<T>, string> table)
    {
        if (!json)
        {
            output.Write(table(rows));
            return;
        }
        foreach (var row in rows)
        {
            output.WriteLine(row is EventRow e ? e.Json : JsonSerializer.Serialize(row, Protocol.FrameJson.Options));
        }
    }

    private static string SessionTable(IReadOnlyList<SessionRow> rows) => TextTable.Render(
        ["id", "started (UTC)", "client", "user", "upstream", "cmds", "NO/BAD", "anomalies", "closed"],
        rows.Select(s => new[]
        {
            s.Id.ToString(), s.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss"), s.ClientAddress ?? "", s.User ?? "", s.Upstream ?? "",
            s.Commands.ToString(), s.Failures.ToString(), s.Anomalies.ToString(), s.CloseReason ?? (s.EndedAt is null ? "open" : ""),
        }));

    private static string EventTable(IReadOnlyList<EventRow> rows) => TextTable.Render(
        ["seq", "time (UTC)", "dir", "type", "tag", "name", "status", "latency"],
        rows.Select(e => new[]
        {
            e.Sequence.ToString(), e.Time.UtcDateTime.ToString("HH:mm:ss.fff"), e.Source, e.Kind ?? e.Type, e.Tag ?? "", e.Name ?? "",
            e.Status ?? "", e.Latency is { } l ? Format.Duration(l) : "",
        }));

    private sealed record Options(string Data, bool Json, int? Limit, Filter? Filter, long Session, ExportFormat Format, string? Output, string? Base)
    {
        public static Options Parse(string verb, string[] args)
        {
            string data = "data";
            bool json = false;
            int? limit = null;
            Filter? filter = null;
            string? output = null;
            string? format = null;
            var positional = new List<string>();
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--data": data = Value(); break;
                    case "--json": json = true; break;
                    case "--limit": limit = int.TryParse(Value(), out var n) && n > 0 ? n : throw new ArgumentException("--limit needs a positive number"); break;
                    case "--filter": filter = Filter.Parse(Value()); break;
                    case "--format": format = Value(); break;
                    case "-o" or "--output": output = Value(); break;
                    default:
                        if (args[i].StartsWith('-')) throw new ArgumentException($"unknown option {args[i]}");
                        positional.Add(args[i]);
                        break;
                }
            }
            long session = 0;
            if (verb is "events" or "export" && (positional.Count != 1 || !long.TryParse(positional[0], out session)))
                throw new ArgumentException("expected one SESSION id");
            if (verb == "sessions" && positional.Count > 0) throw new ArgumentException($"unexpected {positional[0]}");
            var kind = ExportFormat.Jsonl;
            if (verb == "export" && (format is null || !Enum.TryParse(format, ignoreCase: true, out kind) || int.TryParse(format, out _)))
                throw new ArgumentException("--format must be jsonl, transcript, rawlog or pcap");
            string? baseName = null;
            if (verb == "import")
            {
                if (positional is not ["rawlog", var b]) throw new ArgumentException("expected: import rawlog BASE");
                baseName = b;
            }
            return new Options(Path.GetFullPath(data), json, limit, filter, session, kind, output, baseName);
        }
    }
}
