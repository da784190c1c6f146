using System.Diagnostics;
using ImapProxy.Storage.Query;

namespace ImapProxy.QueryBench;

/// <summary>
/// Time to the first page of 50 rows, per filter: sessions newest first, events across sessions newest first,
/// and the page after it (through the cursor). The median of the timed runs, after one untimed run; a query
/// slower than a second is run once.
/// </summary>
internal sealed class QueryTimings(QueryService queries, int runs, TextWriter output)
{
    public const int PageSize = 50;
    public const double TargetMs = 50;

    public static readonly string[] Filters =
    [
        "", "cmd:FETCH", "cmd:\"UID FETCH\"", "cmd:SEARCH", "status:NO", "status:!OK", "user:alice", "user:zed", "client:10.0.0.5",
        "server:imap.example.com", "mailbox:INBOX", "mailbox:Drafts", "tag:a12", "latency>500ms", "latency>30s", "size>1MB",
        "dir:client", "dir:proxy", "text:BODYSTRUCTURE", "text:\"big\"", "text:\"UID MOVE\"", "text:ig", "body:\"Subject: hello\"", "anomaly:*",
        "anomaly:unescaped-quote", "tls:none", "tls:failed", "session:42", "after:2026-11-25T12:00", "before:2026-11-25T09:00",
        "cmd:FETCH latency>500ms", "user:zed cmd:FETCH", "not cmd:FETCH", "status:NO or status:BAD",
    ];

    public List<(string Filter, double Sessions, double Events)> Run()
    {
        var slowest = new List<(string, double, double)>();
        output.WriteLine($"  {"filter",-28} {"sessions",17} {"events",17} {"events p2",10}");
        foreach (var text in Filters)
        {
            var filter = Filter.ParseOrNull(text);
            var (sessionMs, sessionRows) = Time(() => queries.Sessions(filter, PageSize).Rows.Count);
            var (eventMs, eventRows) = Time(() => queries.AllEvents(filter, PageSize).Rows.Count);
            var next = queries.AllEvents(filter, PageSize).Next;
            var (nextMs, _) = next is null ? (0, 0) : Time(() => queries.AllEvents(filter, PageSize, next).Rows.Count);
            output.WriteLine($"  {(text.Length == 0 ? "(none)" : text),-28} {Cell(sessionMs, sessionRows),17} {Cell(eventMs, eventRows),17} {Ms(nextMs),10}");
            slowest.Add((text, sessionMs, eventMs));
        }
        return slowest;
    }

    private (double Ms, int Rows) Time(Func<int> query)
    {
        var clock = Stopwatch.StartNew();
        var rows = query();
        var first = clock.Elapsed.TotalMilliseconds;
        if (first > 1000) return (first, rows);
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            clock.Restart();
            query();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return (times[times.Count / 2], rows);
    }

    private static string Cell(double ms, int rows) => $"{Ms(ms)} ({rows,2})";

    private static string Ms(double ms) => (ms > TargetMs ? "*" : "") + $"{ms:F1} ms";
}
