using System.Text.Json;
using ImapProxy.Dashboard;
using ImapProxy.Queries;
using ImapProxy.Storage;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Import;
using ImapProxy.Storage.Query;

namespace ImapProxy.Cli;

/// <summary>
/// <c>imapproxy sessions | events | export | import</c>: the store from the command line, with the same filter
/// language as the dashboard and the API. Tables by default, JSON with --json. Safe while the proxy runs (WAL).
/// </summary>
internal static class StoreVerbs
{
    public static Task<int> SessionsAsync(StorageOptions storage, Filter? filter, int limit, bool json, TextWriter output, TextWriter error) =>
        WithStoreAsync("sessions", storage, error, queries =>
        {
            var sessions = queries.Sessions(filter, limit).Sessions;
            if (json) foreach (var session in sessions) output.WriteLine(JsonSerializer.Serialize(session, Protocol.FrameJson.Options));
            else output.Write(SessionTable(sessions));
            return Task.FromResult(ExitCodes.Ok);
        });

    public static Task<int> EventsAsync(StorageOptions storage, long session, Filter? filter, int limit, bool json, TextWriter output, TextWriter error) =>
        WithStoreAsync("events", storage, error, queries =>
        {
            if (!queries.Exists(session)) return Task.FromResult(Missing(error, "events", session));
            var events = queries.Events(session, filter, limit).Events;
            // Events go out in their one JSON form, as stored and as the API and the jsonl export give them.
            if (json) foreach (var e in events) output.WriteLine(e.Json);
            else output.Write(EventTable(events));
            return Task.FromResult(ExitCodes.Ok);
        });

    public static Task<int> ExportAsync(StorageOptions storage, long session, ExportFormat format, string? file, TextWriter error) =>
        WithStoreAsync("export", storage, error, async queries =>
        {
            if (!queries.Exists(session)) return Missing(error, "export", session);
            await using (var destination = file is null ? Console.OpenStandardOutput() : File.Create(file))
                await queries.ExportAsync(format, session, destination);
            if (file is not null) error.WriteLine($"wrote {file}");
            return ExitCodes.Ok;
        });

    /// <summary>The findings the engine draws from a stored session now (the same code as live; stored findings are not input).</summary>
    public static Task<int> LintAsync(StorageOptions storage, long session, bool json, TextWriter output, TextWriter error) =>
        WithStoreAsync("lint", storage, error, queries => Task.FromResult(queries.Exists(session)
            ? LintVerb.Print(queries.Analyze(session), $"session {session}", json, output)
            : Missing(error, "lint", session)));

    public static Task<int> CompareAsync(StorageOptions storage, long first, long second, bool all, bool strict, bool json, TextWriter output, TextWriter error) =>
        WithStoreAsync("compare", storage, error, queries =>
        {
            var (view, problem) = queries.Compare(first, second, strict);
            if (view is not null) return Task.FromResult(CompareVerb.Print(view, all, json, output));
            error.WriteLine($"imapproxy compare: {problem}");
            return Task.FromResult(ExitCodes.Unreadable);
        });

    /// <summary>Imports into the store, creating it when there is none yet.</summary>
    public static Task<int> ImportAsync(StorageOptions storage, string baseName, TextWriter output, TextWriter error) =>
        WithStoreAsync("import", storage, error, async (_, store) =>
        {
            output.WriteLine(await RawlogImport.ImportAsync(store, baseName));
            return ExitCodes.Ok;
        }, create: true);

    private static Task<int> WithStoreAsync(string verb, StorageOptions storage, TextWriter error, Func<StoreQueries, Task<int>> use) =>
        WithStoreAsync(verb, storage, error, (queries, _) => use(queries));

    /// <summary>Opens the store for one verb, through the same query edge as the API and the dashboard.</summary>
    private static async Task<int> WithStoreAsync(string verb, StorageOptions storage, TextWriter error, Func<StoreQueries, EventStore, Task<int>> use, bool create = false)
    {
        if (!create && NoStore(verb, storage, error)) return ExitCodes.Unreadable;
        try
        {
            using var store = EventStore.Open(storage);
            return await use(new StoreQueries(store, new QueryService(store)), store);
        }
        catch (Exception e) when (e is EventStoreException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"imapproxy {verb}: {e.Message}");
            return ExitCodes.Unreadable;
        }
    }

    /// <summary>A SQLite file that is not there is a mistake (a wrong --data or --store), not a store to create by reading it.</summary>
    public static bool NoStore(string verb, StorageOptions storage, TextWriter error)
    {
        if (storage.Location is not SqliteLocation { Path: var path } || File.Exists(path)) return false;
        error.WriteLine($"imapproxy {verb}: no store at {path} (run the proxy first, or pass --data DIR or --store URL)");
        return true;
    }

    private static int Missing(TextWriter error, string verb, long id)
    {
        error.WriteLine($"imapproxy {verb}: no session {id}");
        return ExitCodes.Unreadable;
    }

    private static string SessionTable(IReadOnlyList<SessionView> rows) => TextTable.Render(
        ["id", "started (UTC)", "client", "app", "user", "upstream", "cmds", "NO/BAD", "anomalies", "findings", "closed", "instance"],
        rows.Select(s => new[]
        {
            s.Id.ToString(), s.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss"), s.ClientAddress ?? "", s.ClientApp ?? "", s.User ?? "", s.Upstream ?? "",
            s.Commands.ToString(), s.Failures.ToString(), s.Anomalies.ToString(), s.Findings.ToString(),
            (s.CloseReason ?? (s.EndedAt is null ? "open" : "")) + (s.Altered ? " (altered)" : ""), s.Instance ?? "",
        }));

    private static string EventTable(IReadOnlyList<EventRow> rows) => TextTable.Render(
        ["seq", "time (UTC)", "dir", "type", "tag", "name", "status", "latency"],
        rows.Select(e => new[]
        {
            e.Sequence.ToString(), e.Time.UtcDateTime.ToString("HH:mm:ss.fff"), e.Source, e.Kind ?? e.Type, e.Tag ?? "", e.Name ?? "",
            e.Status ?? "", e.Latency is { } l ? Format.Duration(l) : "",
        }));
}
