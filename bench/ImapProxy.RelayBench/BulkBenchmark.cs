using System.Diagnostics;
using ImapProxy.TestSupport;

namespace ImapProxy.RelayBench;

/// <summary>One <c>UID FETCH 1:* BODY.PEEK[]</c> of the whole bulk mailbox through one target.</summary>
internal sealed record BulkRun(Target Target, int Repetition, long Bytes, TimeSpan Elapsed, int Messages,
    string ClientAddress, long SessionBytesReceived, long SessionBytesSent, long Reads)
{
    /// <summary>Average bytes per read of the client during the FETCH: the chunking the client leg delivers.</summary>
    public double BytesPerRead => Bytes / (double)Reads;

    public double MegabytesPerSecond => Bytes / 1e6 / Elapsed.TotalSeconds;

    /// <summary>The relay's CPU time (socat or the proxy) from connect to the FETCH's tagged OK.</summary>
    public TimeSpan RelayCpuDuringFetch { get; init; }

    /// <summary>The whole machine's busy CPU time (client, Dovecot, relay, kernel) from the FETCH to its tagged OK.</summary>
    public TimeSpan MachineCpuDuringFetch { get; init; }

    /// <summary>Busy cores of the machine during the FETCH: at <see cref="MachineCpu.Cores"/>, it could go no faster.</summary>
    public double MachineCoresBusy => MachineCpuDuringFetch / Elapsed;

    /// <summary>The whole machine's CPU per 100 MB fetched, and the speed that CPU cost allows on all its cores.</summary>
    public double MachineCpuMillisecondsPer100MB => MachineCpuDuringFetch.TotalMilliseconds / (Bytes / 1e8);
    public double MachineBoundMegabytesPerSecond => MachineCpu.Cores * 1000 / MachineCpuMillisecondsPer100MB * 100;

    /// <summary>The relay's CPU time from connect until it went quiet again (the proxy's store caught up).</summary>
    public TimeSpan RelayCpuTotal { get; init; }

    /// <summary>How long after LOGOUT the relay kept working (the proxy writing the session to SQLite).</summary>
    public TimeSpan RelayBusyAfter { get; init; }

    /// <summary>The relay's CPU time over the whole run by thread name (proxy only: GC, thread pool, ...).</summary>
    public IReadOnlyDictionary<string, TimeSpan> RelayCpuByThread { get; init; } = new Dictionary<string, TimeSpan>();
}

/// <summary>
/// Bulk throughput: each repetition fetches the mailbox once through every target, in an order that rotates from
/// one repetition to the next, so drift on this noisy machine (other builds, page cache, CPU frequency) spreads
/// over all targets instead of favouring whichever ran first.
/// </summary>
internal sealed class BulkBenchmark(IReadOnlyList<Target> targets, IReadOnlyList<ChildProcess> proxies, int messages, Action<string> progress)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    public async Task<IReadOnlyList<BulkRun>> RunAsync(int repetitions, CancellationToken ct)
    {
        // Unmeasured: Dovecot's index and cache, the page cache, the proxy's JIT tiers and SQLite file growth.
        // A smaller warm-up leaves the proxy's tiered compilation running into the first measured runs.
        foreach (var target in targets)
        {
            progress($"bulk warm-up: {target}");
            await FetchAsync(target, 0, "1:*", ct);
        }

        var runs = new List<BulkRun>();
        var byMode = targets.GroupBy(t => t.Mode).Select(g => g.ToList()).ToList();
        for (var repetition = 1; repetition <= repetitions; repetition++)
        {
            foreach (var group in byMode)
            {
                for (var k = 0; k < group.Count; k++)
                {
                    var target = group[(repetition - 1 + k) % group.Count];
                    // Let the proxies' store writers finish the previous run's bytes: their disk and CPU use would
                    // otherwise land on whatever target runs next.
                    await Task.WhenAll(proxies.Select(p => p.WaitUntilQuietAsync(TimeSpan.FromMinutes(3), ct)));
                    DirtyPages.WriteBack();
                    var run = await MeasureAsync(target, repetition, ct);
                    if (run.Messages != messages)
                        throw new InvalidOperationException($"{target}: the FETCH returned {run.Messages} bodies, expected {messages}");
                    progress($"bulk {repetition}/{repetitions} {target}: {run.MegabytesPerSecond:0.0} MB/s ({run.Bytes / 1e6:0.0} MB in {run.Elapsed.TotalSeconds:0.000} s, {run.BytesPerRead / 1024:0.0} KiB per client read, machine {run.MachineCoresBusy:0.00} cores busy)"
                             + (target.Relay is null ? "" : $"; relay CPU {run.RelayCpuDuringFetch.TotalSeconds:0.00} s in fetch, {run.RelayCpuTotal.TotalSeconds:0.00} s total; "
                                 + string.Join(", ", run.RelayCpuByThread.Where(t => t.Value > TimeSpan.Zero).OrderByDescending(t => t.Value).Take(3)
                                     .Select(t => $"'{t.Key}' {t.Value.TotalSeconds:0.00} s"))));
                    runs.Add(run);
                }
            }
        }
        return runs;
    }

    /// <summary>A measured fetch of the whole mailbox, with what it cost the relay's process.</summary>
    private static async Task<BulkRun> MeasureAsync(Target target, int repetition, CancellationToken ct)
    {
        if (target.Relay is not { } relay) return await FetchAsync(target, repetition, "1:*", ct);
        var (cpuBefore, threadsBefore) = (relay.CpuTime(), relay.CpuTimeByThread());
        var run = await FetchAsync(target, repetition, "1:*", ct, () => relay.CpuTime() - cpuBefore);
        var busyAfter = await relay.WaitUntilQuietAsync(TimeSpan.FromMinutes(3), ct);
        var threadsAfter = relay.CpuTimeByThread();
        return run with
        {
            RelayCpuTotal = relay.CpuTime() - cpuBefore,
            RelayBusyAfter = busyAfter,
            RelayCpuByThread = threadsAfter.ToDictionary(t => t.Key, t => t.Value - threadsBefore.GetValueOrDefault(t.Key)),
        };
    }

    private static async Task<BulkRun> FetchAsync(Target target, int repetition, string uids, CancellationToken ct,
        Func<TimeSpan>? relayCpu = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RunTimeout);
        var client = await RawImapClient.ConnectAsync(target.Port, target.Tls, RawImapClient.BulkBufferSize, timeout.Token);
        await using (client)
        {
            await client.LoginAsync(DovecotUser.Alice, timeout.Token);
            await client.CommandAsync("EXAMINE INBOX", timeout.Token);
            var (bytesBefore, literalsBefore, readsBefore) = (client.BytesReceived, client.LiteralsSkipped, client.Reads);
            var machineBefore = MachineCpu.Busy();
            var stopwatch = Stopwatch.StartNew();
            await client.CommandAsync($"UID FETCH {uids} BODY.PEEK[]", timeout.Token);
            var elapsed = stopwatch.Elapsed;
            var machineDuringFetch = MachineCpu.Busy() - machineBefore;
            var cpuDuringFetch = relayCpu?.Invoke() ?? TimeSpan.Zero;
            var (bytes, literals) = (client.BytesReceived - bytesBefore, client.LiteralsSkipped - literalsBefore);
            await client.LogoutAsync(timeout.Token);
            return new BulkRun(target, repetition, bytes, elapsed, literals, client.LocalAddress, client.BytesReceived, client.BytesSent,
                client.Reads - readsBefore)
            {
                RelayCpuDuringFetch = cpuDuringFetch,
                MachineCpuDuringFetch = machineDuringFetch,
            };
        }
    }
}
