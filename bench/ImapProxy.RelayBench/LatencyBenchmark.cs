using System.Diagnostics;
using ImapProxy.TestSupport;

namespace ImapProxy.RelayBench;

/// <summary>NOOP round trips of one logged-in connection per target, in microseconds.</summary>
/// <param name="RelayCpuPerRoundTrip">The relay process's CPU time per round trip, in microseconds (0 for direct).</param>
internal sealed record LatencyResult(Target Target, double P50, double P99, double Mean, int Count, double RelayCpuPerRoundTrip);

/// <summary>
/// Round-trip latency: one logged-in connection per target, NOOP after NOOP. The round trips are taken in blocks,
/// the targets' order rotating from block to block, so a noisy second hurts every target alike.
/// </summary>
internal sealed class LatencyBenchmark(IReadOnlyList<Target> targets, IReadOnlyList<ChildProcess> proxies, Action<string> progress)
{
    // Enough for the JIT's tiers to settle: with 200, perf showed the tiered-compilation thread taking a core during the
    // measured blocks, which a proxy that has run for a minute no longer does.
    private const int WarmUp = 3_000;
    private const int Blocks = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public async Task<IReadOnlyList<LatencyResult>> RunAsync(int roundTrips, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        var clients = new List<RawImapClient>();
        try
        {
            var samples = targets.ToDictionary(t => t, _ => new List<double>(roundTrips));
            var relayCpu = targets.ToDictionary(t => t, _ => TimeSpan.Zero);
            foreach (var target in targets)
            {
                var client = await RawImapClient.ConnectAsync(target.Port, target.Tls, RawImapClient.SmallBufferSize, timeout.Token);
                clients.Add(client);
                await client.LoginAsync(DovecotUser.Alice, timeout.Token);
                await client.CommandAsync("EXAMINE INBOX", timeout.Token);
                for (var i = 0; i < WarmUp; i++) await client.CommandAsync("NOOP", timeout.Token);
            }
            await Task.WhenAll(proxies.Select(p => p.WaitUntilQuietAsync(TimeSpan.FromMinutes(3), timeout.Token)));

            var perBlock = (roundTrips + Blocks - 1) / Blocks;
            for (var block = 0; block < Blocks; block++)
            {
                for (var k = 0; k < targets.Count; k++)
                {
                    var index = (block + k) % targets.Count;
                    var (target, client) = (targets[index], clients[index]);
                    var count = Math.Min(perBlock, roundTrips - samples[target].Count);
                    var cpuBefore = target.Relay?.CpuTime() ?? TimeSpan.Zero;
                    for (var i = 0; i < count; i++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        await client.CommandAsync("NOOP", timeout.Token);
                        samples[target].Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                    }
                    // The proxy's store writes these NOOPs' events just after the last answer: let it finish first.
                    if (target.Relay is { } relay)
                    {
                        await relay.WaitUntilQuietAsync(TimeSpan.FromMinutes(1), timeout.Token);
                        relayCpu[target] += relay.CpuTime() - cpuBefore;
                    }
                }
                progress($"latency block {block + 1}/{Blocks} done");
            }
            foreach (var client in clients) await client.LogoutAsync(timeout.Token);
            return targets.Select(t => Summarize(t, samples[t], relayCpu[t])).ToList();
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    private static LatencyResult Summarize(Target target, List<double> microseconds, TimeSpan relayCpu)
    {
        microseconds.Sort();
        return new LatencyResult(target, Percentile(microseconds, 0.50), Percentile(microseconds, 0.99), microseconds.Average(), microseconds.Count,
            relayCpu.TotalMicroseconds / microseconds.Count);
    }

    // Nearest rank on sorted samples.
    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Ceiling(p * sorted.Count) - 1];
}
