using System.Globalization;
using System.Text;

namespace ImapProxy.RelayBench;

/// <summary>Prints each part's table as soon as it is measured, and the issue's targets next to the results at the end.</summary>
internal sealed class Report(TextWriter output)
{
    // The performance issue's goals: plaintext bulk at 0.60x direct, TLS bulk at socat's speed, at most twice socat's
    // CPU, the store done within 0.5 s of LOGOUT, no more round-trip time added than socat adds, a plaintext p99 under
    // 500 µs, a bulk peak under 256 MiB and 64 KiB per idle session.
    private const double PlaintextDirectRatio = 0.60;
    private const double CpuRatioLimit = 2.0;
    private const double BusyAfterLimitSeconds = 0.5;
    private const double PlaintextP99LimitMicroseconds = 500;
    private const double PeakRssLimitMiB = 256;
    private const double IdleSessionLimitKiB = 64;

    private readonly List<string[]> verdicts = [];

    public void Header(IEnumerable<string> lines)
    {
        foreach (var line in lines) output.WriteLine(line);
        output.WriteLine();
    }

    public void Bulk(IReadOnlyList<BulkRun> runs, int repetitions)
    {
        output.WriteLine($"Bulk: UID FETCH 1:* BODY.PEEK[] of the whole mailbox; median of {repetitions} interleaved runs per target, MB = 10^6 bytes;\n" +
                         "KiB/read = average bytes per client read during the FETCH (how the last hop chunks the stream); machine = every process\n" +
                         $"and the kernel during the FETCH: cores busy of {MachineCpu.Cores}, CPU per 100 MB, and the speed that CPU allows on all {MachineCpu.Cores} cores;\n" +
                         $"{Socat.StoringName} = socat also writing every byte it relays to a file per direction (-r, -R)");
        var rows = new List<string[]>();
        foreach (var mode in runs.Select(r => r.Target.Mode).Distinct())
        {
            var direct = Median(runs, mode, "direct");
            var socat = Median(runs, mode, "socat");
            foreach (var name in new[] { "direct", "socat", Socat.StoringName, "mitmdump", "imapproxy" })
            {
                var ofTarget = runs.Where(r => r.Target.Mode == mode && r.Target.Name == name).ToList();
                var speeds = ofTarget.Select(r => r.MegabytesPerSecond).ToList();
                if (speeds.Count == 0) continue;
                var median = Median(speeds);
                var goal = mode == Mode.Plaintext ? PlaintextDirectRatio * direct : socat;
                var (target, result) = name switch
                {
                    "imapproxy" => (mode == Mode.Plaintext ? $">= {PlaintextDirectRatio:0.00}x direct" : $">= socat ({socat / direct:0.00}x)", Verdict(median >= goal)),
                    _ => ("", ""),
                };
                double M(Func<BulkRun, double> f) => Median(ofTarget.Select(f).ToList());
                rows.Add([Name(mode), name, F(median, 1), $"{F(speeds.Min(), 1)} - {F(speeds.Max(), 1)}", $"{median / direct:0.00}x", F(M(r => r.BytesPerRead / 1024), 1),
                    F(M(r => r.MachineCoresBusy), 2), F(M(r => r.MachineCpuMillisecondsPer100MB), 0), F(M(r => r.MachineBoundMegabytesPerSecond), 0), target, result]);
                if (name == "imapproxy")
                {
                    var paired = PairedRatios(runs, mode);
                    var storing = runs.Any(r => r.Target.Mode == mode && r.Target.Name == Socat.StoringName)
                        ? $", {Socat.StoringName} {Median(runs, mode, Socat.StoringName) / direct:0.00}x" : "";
                    verdicts.Add([mode == Mode.Plaintext ? $"bulk plaintext: ImapProxy >= {PlaintextDirectRatio:0.00}x direct" : "bulk tls: ImapProxy >= socat",
                        $"{median / direct:0.00}x of direct, socat {socat / direct:0.00}x{storing} ({F(median, 0)} vs {F(socat, 0)} MB/s); " +
                        $"per repetition ImapProxy/socat median {Median(paired):0.00}",
                        Verdict(median >= goal)]);
                }
            }
        }
        Table(["mode", "target", "MB/s", "min - max", "vs direct", "KiB/read", "machine cores", "machine ms/100 MB", "machine-bound MB/s", "target", "result"], rows, leftColumns: 2);
        MachineBudget(runs);
        output.WriteLine("runs in the order they ran (MB/s):");
        foreach (var repetition in runs.GroupBy(r => r.Repetition))
            output.WriteLine($"  {repetition.Key}: " + string.Join(", ", repetition.Select(r => $"{Name(r.Target.Mode)} {r.Target.Name} {F(r.MegabytesPerSecond, 1)}")));
        output.WriteLine();
        RelayCpu(runs);
    }

    /// <summary>
    /// How much of the machine the plaintext goal leaves per megabyte: at <see cref="PlaintextDirectRatio"/> of direct's
    /// speed, every process together may spend at most all cores' time over that many megabytes, whoever relays.
    /// </summary>
    private void MachineBudget(IReadOnlyList<BulkRun> runs)
    {
        if (!runs.Any(r => r.Target is { Mode: Mode.Plaintext, Name: "direct" })) return;
        var direct = Median(runs, Mode.Plaintext, "direct");
        var goal = PlaintextDirectRatio * direct;
        var budget = MachineCpu.Cores * 1000 / (goal / 100);
        double Used(string name) => Median(runs.Where(r => r.Target.Mode == Mode.Plaintext && r.Target.Name == name).Select(r => r.MachineCpuMillisecondsPer100MB).ToList());
        output.WriteLine($"plaintext at {PlaintextDirectRatio:0.00}x direct ({F(goal, 0)} MB/s) leaves the whole machine {F(budget, 0)} ms of CPU per 100 MB " +
                         $"({MachineCpu.Cores} cores); socat used {F(Used("socat"), 0)}, ImapProxy {F(Used("imapproxy"), 0)}");
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
        foreach (var mode in runs.Select(r => r.Target.Mode).Distinct())
        {
            double CpuPer100MB(string name) => Median(runs.Where(r => r.Target.Mode == mode && r.Target.Name == name)
                .Select(r => r.RelayCpuTotal.TotalMilliseconds / (r.Bytes / 1e8)).ToList());
            var (proxy, socat) = (CpuPer100MB("imapproxy"), CpuPer100MB("socat"));
            verdicts.Add([$"relay CPU {Name(mode)} <= {CpuRatioLimit:0}x socat's", $"{F(proxy, 0)} vs {F(socat, 0)} ms per 100 MB ({proxy / socat:0.00}x)",
                Verdict(proxy <= CpuRatioLimit * socat)]);
            var busy = Median(runs.Where(r => r.Target.Mode == mode && r.Target.Name == "imapproxy").Select(r => r.RelayBusyAfter.TotalSeconds).ToList());
            verdicts.Add([$"busy after LOGOUT {Name(mode)} <= {BusyAfterLimitSeconds:0.0} s", $"{F(busy, 2)} s (median)", Verdict(busy <= BusyAfterLimitSeconds)]);
        }
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
            var socatAdded = Socat(result).P50 - direct.P50;
            rows.Add([Name(result.Target.Mode), result.Target.Name, F(result.P50, 0), F(result.P99, 0), F(result.Mean, 0),
                result.Target.Name == "direct" ? "" : $"{added:+0;-0}", result.Target.Relay is null ? "" : F(result.RelayCpuPerRoundTrip, 0),
                isProxy ? $"<= socat's {socatAdded:+0;-0}" : "", isProxy ? Verdict(added <= socatAdded) : ""]);
            if (!isProxy) continue;
            // One decimal: two medians a fraction of a microsecond apart must not read as equal beside a FAIL.
            verdicts.Add([$"added NOOP p50 {Name(result.Target.Mode)} <= socat's", $"{added:+0.0;-0.0} µs (socat {socatAdded:+0.0;-0.0} µs)", Verdict(added <= socatAdded)]);
            if (result.Target.Mode == Mode.Plaintext)
                verdicts.Add([$"NOOP p99 plaintext <= {PlaintextP99LimitMicroseconds:0} µs", $"{F(result.P99, 0)} µs (socat {F(Socat(result).P99, 0)} µs)",
                    Verdict(result.P99 <= PlaintextP99LimitMicroseconds)]);
        }
        Table(["mode", "target", "p50", "p99", "mean", "added p50", "relay CPU/round trip", "target", "result"], rows, leftColumns: 2);
        output.WriteLine();

        LatencyResult Socat(LatencyResult of) => results.Single(r => r.Target.Mode == of.Target.Mode && r.Target.Name == "socat");
    }

    /// <summary>The proxy's peak RSS over the bulk runs: raw chunks queue in memory while the store catches up.</summary>
    public void PeakMemory(Mode mode, long peakKiB)
    {
        var mib = peakKiB / 1024.0;
        output.WriteLine($"imapproxy ({Name(mode)}) peak RSS during the bulk runs (VmHWM): {F(mib, 0)} MiB");
        verdicts.Add([$"peak RSS during bulk {Name(mode)} <= {PeakRssLimitMiB:0} MiB", $"{F(mib, 0)} MiB", Verdict(mib <= PeakRssLimitMiB)]);
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
            r.Case, N(r.Sessions), N(r.RssBeforeKiB), N(r.RssIdleKiB), F(r.KiBPerSession, 1), r.Judged ? $"<= {IdleSessionLimitKiB:0}" : "-",
            r.Judged ? Verdict(r.KiBPerSession <= IdleSessionLimitKiB) : "-", $"{r.OpenDuration.TotalSeconds:0.0} s", $"{r.EndedCleanly}/{r.Sessions}",
            N(r.RssAfterEndKiB),
        }).ToList();
        Table(["case", "sessions", "RSS before", "RSS in IDLE", "KiB/session", "target", "result", "opened in", "ended cleanly", "RSS after end"], rows, leftColumns: 1);
        if (results.Any(r => !r.Judged))
            output.WriteLine($"  (the proxy names Dovecot '{ProxyProcess.UpstreamName}'; given its address instead, .NET keeps no TLS context or session for the upstream leg)");
        foreach (var r in results.Where(r => r.Judged))
            verdicts.Add([$"memory per idle session {Name(r.Mode)} <= {IdleSessionLimitKiB:0} KiB", $"{F(r.KiBPerSession, 1)} KiB ({r.Sessions} sessions)", Verdict(r.KiBPerSession <= IdleSessionLimitKiB)]);
        output.WriteLine();
    }

    public void Literal(LiteralResult r)
    {
        output.WriteLine($"One literal of {N(r.Size)} bytes through a fresh plaintext proxy: APPENDed, then fetched back with BODY.PEEK[]");
        output.WriteLine($"  APPEND {F(r.AppendMegabytesPerSecond, 1)} MB/s, FETCH {F(r.FetchMegabytesPerSecond, 1)} MB/s; proxy RSS {N(r.RssBeforeKiB / 1024)} MiB before, peak {N(r.PeakResidentKiB / 1024)} MiB");
        output.WriteLine($"  stored: {N(r.ClientStored)} client bytes, {N(r.ServerStored)} server bytes; session marked incomplete: {(r.CaptureIncomplete ? "yes" : "no")}");
        foreach (var literal in r.Stored)
            output.WriteLine($"  literal-truncated ({literal.Source}): {N(literal.Length)} bytes, {N(literal.Kept)} kept ({literal.Cause}), SHA-256 {(literal.Sha256 == r.SentSha256 ? "matches what was sent" : "DIFFERS from what was sent")}");
        var peakMiB = r.PeakResidentKiB / 1024.0;
        verdicts.Add([$"{N(r.Size)}-byte literal: peak RSS <= {PeakRssLimitMiB:0} MiB", $"{F(peakMiB, 0)} MiB", Verdict(peakMiB <= PeakRssLimitMiB)]);
        // Both directions: its start kept, its size and hash recorded; the hash is the proof that nothing was relayed altered.
        var whole = r.Stored.Count(l => l.Length == r.Size && l.Sha256 == r.SentSha256);
        verdicts.Add([$"{N(r.Size)}-byte literal: size and SHA-256 stored each way", $"{whole} of 2 literal-truncated events match", Verdict(whole == 2)]);
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
