using System.Globalization;
using System.Text;

namespace ImapProxy.RelayBench;

/// <summary>Prints each part's table as soon as it is measured, and the issue's targets next to the results at the end.</summary>
internal sealed class Report(TextWriter output)
{
    // From the product issue: the floor the proxy is measured against, and the limits it must meet.
    private const double IssueSocatPlaintextRatio = 0.36;
    private const double IssueSocatTlsRatio = 0.83;
    private const double AddedLatencyLimitMicroseconds = 100;
    private const double IdleSessionLimitKiB = 100;

    private readonly List<string[]> verdicts = [];

    public void Header(IEnumerable<string> lines)
    {
        foreach (var line in lines) output.WriteLine(line);
        output.WriteLine();
    }

    public void Bulk(IReadOnlyList<BulkRun> runs, int repetitions)
    {
        output.WriteLine($"Bulk: UID FETCH 1:* BODY.PEEK[] of the whole mailbox; median of {repetitions} interleaved runs per target, MB = 10^6 bytes;\n" +
                         "KiB/read = average bytes per client read during the FETCH (how the last hop chunks the stream)");
        var rows = new List<string[]>();
        foreach (var mode in runs.Select(r => r.Target.Mode).Distinct())
        {
            var direct = Median(runs, mode, "direct");
            var socat = Median(runs, mode, "socat");
            foreach (var name in new[] { "direct", "socat", "imapproxy" })
            {
                var speeds = runs.Where(r => r.Target.Mode == mode && r.Target.Name == name).Select(r => r.MegabytesPerSecond).ToList();
                if (speeds.Count == 0) continue;
                var median = Median(speeds);
                var (target, result) = name switch
                {
                    "socat" => ($"issue's machine: {IssueRatio(mode):0.00}x", ""),
                    "imapproxy" => ($">= socat ({socat / direct:0.00}x)", Verdict(median >= socat)),
                    _ => ("", ""),
                };
                var kibPerRead = Median(runs.Where(r => r.Target.Mode == mode && r.Target.Name == name).Select(r => r.BytesPerRead / 1024).ToList());
                rows.Add([Name(mode), name, F(median, 1), $"{F(speeds.Min(), 1)} - {F(speeds.Max(), 1)}", $"{median / direct:0.00}x", F(kibPerRead, 1), target, result]);
                if (name == "imapproxy")
                {
                    var paired = PairedRatios(runs, mode);
                    verdicts.Add([$"bulk {Name(mode)}: ImapProxy >= socat",
                        $"{median / direct:0.00}x vs socat {socat / direct:0.00}x of direct ({F(median, 0)} vs {F(socat, 0)} MB/s); " +
                        $"per repetition ImapProxy/socat median {Median(paired):0.00}, >= 1 in {paired.Count(r => r >= 1)} of {paired.Count}",
                        Verdict(median >= socat)]);
                }
            }
        }
        Table(["mode", "target", "MB/s", "min - max", "vs direct", "KiB/read", "target", "result"], rows, leftColumns: 2);
        output.WriteLine("runs in the order they ran (MB/s):");
        foreach (var repetition in runs.GroupBy(r => r.Repetition))
            output.WriteLine($"  {repetition.Key}: " + string.Join(", ", repetition.Select(r => $"{Name(r.Target.Mode)} {r.Target.Name} {F(r.MegabytesPerSecond, 1)}")));
        output.WriteLine();
        RelayCpu(runs);
    }

    /// <summary>What relaying cost each relay's process: CPU during the FETCH, and after it (the proxy's store).</summary>
    private void RelayCpu(IReadOnlyList<BulkRun> runs)
    {
        output.WriteLine("Relay CPU per bulk run (medians; socat's includes its per-connection child; cores = CPU during fetch / fetch time)");
        var rows = new List<string[]>();
        foreach (var group in runs.Where(r => r.Target.Relay is not null).GroupBy(r => r.Target))
        {
            var list = group.ToList();
            double M(Func<BulkRun, double> f) => Median(list.Select(f).ToList());
            rows.Add([Name(group.Key.Mode), group.Key.Name, F(M(r => r.Elapsed.TotalSeconds), 2), F(M(r => r.RelayCpuDuringFetch.TotalSeconds), 2),
                F(M(r => r.RelayCpuDuringFetch / r.Elapsed), 2), F(M(r => r.RelayCpuTotal.TotalSeconds), 2),
                F(M(r => r.RelayCpuTotal.TotalMilliseconds / (r.Bytes / 1e8)), 0), F(M(r => r.RelayBusyAfter.TotalSeconds), 2)]);
        }
        Table(["mode", "relay", "fetch s", "CPU s in fetch", "cores", "CPU s total", "CPU ms/100 MB", "busy after LOGOUT s"], rows, leftColumns: 2);
        foreach (var group in runs.Where(r => r.Target.Name == "imapproxy").GroupBy(r => r.Target.Mode))
        {
            var byThread = group.SelectMany(r => r.RelayCpuByThread).GroupBy(t => t.Key)
                .Select(t => (Name: t.Key, Cpu: t.Aggregate(TimeSpan.Zero, (sum, x) => sum + x.Value))).Where(t => t.Cpu > TimeSpan.Zero)
                .OrderByDescending(t => t.Cpu).ToList();
            var total = byThread.Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Cpu);
            output.WriteLine($"imapproxy ({Name(group.Key)}) CPU by thread over its measured runs: " +
                string.Join(", ", byThread.Take(6).Select(t => $"'{t.Name}' {t.Cpu.TotalSeconds:0.00} s ({t.Cpu / total:P0})")));
        }
        output.WriteLine();
    }

    public void Latency(IReadOnlyList<LatencyResult> results)
    {
        output.WriteLine($"Latency: NOOP round trips on one logged-in connection, {results[0].Count} per target, microseconds");
        var rows = new List<string[]>();
        foreach (var result in results.OrderBy(r => r.Target.Mode))
        {
            var direct = results.Single(r => r.Target.Mode == result.Target.Mode && r.Target.Name == "direct");
            var added = result.P50 - direct.P50;
            var isProxy = result.Target.Name == "imapproxy";
            rows.Add([Name(result.Target.Mode), result.Target.Name, F(result.P50, 0), F(result.P99, 0), F(result.Mean, 0),
                result.Target.Name == "direct" ? "" : $"{added:+0;-0}", result.Target.Relay is null ? "" : F(result.RelayCpuPerRoundTrip, 0),
                isProxy ? $"<= {AddedLatencyLimitMicroseconds:0}" : "", isProxy ? Verdict(added <= AddedLatencyLimitMicroseconds) : ""]);
            if (isProxy)
            {
                verdicts.Add([$"added NOOP p50 {Name(result.Target.Mode)} <= {AddedLatencyLimitMicroseconds:0} µs",
                    $"{added:+0;-0} µs (socat {results.Single(r => r.Target.Mode == result.Target.Mode && r.Target.Name == "socat").P50 - direct.P50:+0;-0} µs)",
                    Verdict(added <= AddedLatencyLimitMicroseconds)]);
            }
        }
        Table(["mode", "target", "p50", "p99", "mean", "added p50", "relay CPU/round trip", "target", "result"], rows, leftColumns: 2);
        output.WriteLine();
    }

    public void Store(IReadOnlyList<StoredSession> sessions)
    {
        output.WriteLine("Stored bytes: the bulk sessions in each proxy's imapproxy.db (table raw) against what their client counted");
        var rows = sessions.Select(s => new[]
        {
            Name(s.Run.Target.Mode), s.Run.Repetition.ToString(CultureInfo.InvariantCulture), s.SessionId?.ToString(CultureInfo.InvariantCulture) ?? "missing",
            N(s.Run.SessionBytesReceived), N(s.ServerStored), N(s.ServerGaps), N(s.Run.SessionBytesSent), N(s.ClientStored), N(s.ClientGaps),
            N(s.DroppedEvents), s.CaptureIncomplete ? "yes" : "no", s.Complete ? "ok" : "LOST",
        }).ToList();
        Table(["mode", "rep", "session", "client received", "stored server", "gaps", "client sent", "stored client", "gaps", "dropped events", "incomplete", "result"],
            rows, leftColumns: 1);
        var complete = sessions.Count(s => s.Complete);
        var lost = sessions.Sum(s => Math.Max(0, s.Run.SessionBytesReceived - s.ServerStored) + Math.Max(0, s.Run.SessionBytesSent - s.ClientStored));
        verdicts.Add(["no stored byte lost", $"{complete}/{sessions.Count} bulk sessions complete, {N(lost)} bytes missing", Verdict(complete == sessions.Count && sessions.Count > 0)]);
        output.WriteLine();
    }

    public void Idle(IReadOnlyList<IdleResult> results)
    {
        output.WriteLine($"Idle sessions through ImapProxy: logged in, SELECTed, in IDLE; RSS of the proxy process (VmRSS), KiB");
        var rows = results.Select(r => new[]
        {
            Name(r.Mode), N(r.Sessions), N(r.RssBeforeKiB), N(r.RssIdleKiB), F(r.KiBPerSession, 1), $"<= {IdleSessionLimitKiB:0}",
            Verdict(r.KiBPerSession <= IdleSessionLimitKiB), $"{r.OpenDuration.TotalSeconds:0.0} s", $"{r.EndedCleanly}/{r.Sessions}", N(r.RssAfterEndKiB),
        }).ToList();
        Table(["mode", "sessions", "RSS before", "RSS in IDLE", "KiB/session", "target", "result", "opened in", "ended cleanly", "RSS after end"], rows, leftColumns: 1);
        foreach (var r in results)
            verdicts.Add([$"memory per idle session {Name(r.Mode)} <= {IdleSessionLimitKiB:0} KiB", $"{F(r.KiBPerSession, 1)} KiB ({r.Sessions} sessions)", Verdict(r.KiBPerSession <= IdleSessionLimitKiB)]);
        output.WriteLine();
    }

    public void Summary()
    {
        output.WriteLine("Targets from the issue");
        Table(["target", "measured", "result"], verdicts, leftColumns: 2);
    }

    public bool AllPassed => verdicts.All(v => v[2] == "PASS");

    /// <summary>ImapProxy's speed over socat's within each repetition: drift between repetitions cancels out.</summary>
    private static List<double> PairedRatios(IReadOnlyList<BulkRun> runs, Mode mode) =>
        runs.Where(r => r.Target.Mode == mode).GroupBy(r => r.Repetition)
            .Select(g => g.Single(r => r.Target.Name == "imapproxy").MegabytesPerSecond / g.Single(r => r.Target.Name == "socat").MegabytesPerSecond)
            .ToList();

    private static double Median(IReadOnlyList<BulkRun> runs, Mode mode, string name) =>
        Median(runs.Where(r => r.Target.Mode == mode && r.Target.Name == name).Select(r => r.MegabytesPerSecond).ToList());

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static double IssueRatio(Mode mode) => mode == Mode.Plaintext ? IssueSocatPlaintextRatio : IssueSocatTlsRatio;
    private static string Name(Mode mode) => mode == Mode.Plaintext ? "plaintext" : "tls";
    private static string Verdict(bool pass) => pass ? "PASS" : "FAIL";
    private static string F(double value, int decimals) => value.ToString("N" + decimals, CultureInfo.InvariantCulture);
    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Columns padded to their widest cell; the first <paramref name="leftColumns"/> left-aligned, the rest right-aligned.</summary>
    private void Table(string[] headers, IReadOnlyList<string[]> rows, int leftColumns)
    {
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        void Line(string[] cells)
        {
            var line = new StringBuilder();
            for (var i = 0; i < cells.Length; i++)
            {
                if (i > 0) line.Append("  ");
                line.Append(i < leftColumns ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i]));
            }
            output.WriteLine(line.ToString().TrimEnd());
        }
        Line(headers);
        Line(widths.Select(w => new string('-', w)).ToArray());
        foreach (var row in rows) Line(row);
    }
}
