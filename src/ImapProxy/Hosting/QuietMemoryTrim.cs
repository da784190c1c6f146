using ImapProxy.Capture.Relay;
using ImapProxy.Recording;

namespace ImapProxy.Hosting;

/// <summary>
/// Gives memory back to the system once the proxy goes quiet. The server GC keeps what a burst of traffic made it
/// commit (tens of MB of headroom) for as long as the process lives, so a proxy holding a thousand mobile clients in
/// IDLE after their morning sync would keep the sync's memory, not the sessions'. After a quiet second (no new
/// session, and less relayed than <see cref="QuietBytes"/>: the keepalives and NOOPs of a thousand idle clients are
/// quiet), when the GC holds much more than the last trim left, one compacting full collection in the GC's aggressive
/// mode returns the headroom, with the raw chunks' buffers the recordings kept for the next transfer. It pauses the
/// process for some milliseconds, at a moment when little is relayed.
/// </summary>
/// <param name="committed">What the GC had committed at its last collection; the tests give their own figures.</param>
/// <param name="chunks">The recordings' chunk pool (<see cref="RawChunkPool.Default"/> unless a test gives its own).</param>
public sealed class QuietMemoryTrim(ProxyCounters counters, ILogger<QuietMemoryTrim> logger, TimeProvider time, Func<long>? committed = null,
    RawChunkPool? chunks = null)
    : BackgroundService
{
    /// <summary>How long without traffic before the proxy counts as quiet: the time between two looks.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);

    /// <summary>Growth of the GC's committed memory since the last trim worth a collection: a quiet proxy is trimmed once, not every second.</summary>
    public const long GrowthWorthTrimming = 16L * 1024 * 1024;

    /// <summary>Bytes relayed between two looks that still count as quiet: Dovecot's IDLE keepalive ("* OK Still
    /// here", every two minutes) from a thousand clients is about 8 lines a second.</summary>
    public const long QuietBytes = 64 * 1024;

    private readonly Func<long> committed = committed ?? (() => GC.GetGCMemoryInfo().TotalCommittedBytes);
    private (long Bytes, long Sessions) traffic = (-1, -1);
    private long keptAfterTrim = -1;

    /// <summary>Collections made.</summary>
    public int Trims { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Quiet, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) Look();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One look: trims when the second since the last look was quiet and the GC has grown enough since the last trim.</summary>
    public void Look()
    {
        var now = (Bytes: counters.ClientBytes + counters.ServerBytes, Sessions: counters.TotalSessions);
        var quiet = traffic.Bytes >= 0 && now.Sessions == traffic.Sessions && now.Bytes - traffic.Bytes < QuietBytes;
        traffic = now;
        if (keptAfterTrim < 0) keptAfterTrim = committed();
        if (!quiet || committed() - keptAfterTrim < GrowthWorthTrimming) return;
        var before = committed();
        (chunks ?? RawChunkPool.Default).Trim();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        keptAfterTrim = committed();
        Trims++;
        logger.LogDebug("Quiet: the GC gave back {Freed:N0} bytes and holds {Kept:N0}", before - keptAfterTrim, keptAfterTrim);
    }
}
