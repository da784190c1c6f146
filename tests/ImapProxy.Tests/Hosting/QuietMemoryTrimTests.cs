using ImapProxy.Capture.Relay;
using ImapProxy.Hosting;
using ImapProxy.Recording;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImapProxy.Tests.Hosting;

/// <summary>
/// When the proxy gives memory back: only between looks with no new session and little relayed (an idle fleet's
/// keepalives are quiet, a transfer is not: its clients would wait on the collection's pause), only when the GC grew
/// by the threshold since the last trim, and once per growth (a quiet proxy is not collected every second). What it saves is a benchmark figure (relay-bench's idle part), not a test's.
/// </summary>
public sealed class QuietMemoryTrimTests
{
    private const long MiB = 1024 * 1024;
    private readonly ProxyCounters counters = new();
    private long committed = 100 * MiB;

    private readonly RawChunkPool chunks = new(8);

    private QuietMemoryTrim Trim() => new(counters, NullLogger<QuietMemoryTrim>.Instance, TimeProvider.System, () => committed, chunks);

    [Fact]
    public void AQuietProxyThatGrew_IsTrimmedOnce()
    {
        var trim = Trim();
        trim.Look(); // the first look has nothing to compare with
        committed += QuietMemoryTrim.GrowthWorthTrimming;
        // A download's chunk buffers, kept for the next one.
        for (var i = 0; i < 3; i++) chunks.Return(new byte[RawChunkPool.ChunkSize]);

        trim.Look();
        trim.Look();
        trim.Look();

        Assert.Equal(1, trim.Trims);
        Assert.Equal(0, chunks.Kept);
    }

    [Fact]
    public void TrafficSinceTheLastLook_PutsTheTrimOff()
    {
        var trim = Trim();
        trim.Look();
        committed += 64 * MiB;
        chunks.Return(new byte[RawChunkPool.ChunkSize]);

        counters.AddServerBytes(QuietMemoryTrim.QuietBytes);
        trim.Look();
        Assert.Equal(0, trim.Trims);
        Assert.Equal(1, chunks.Kept); // a transfer goes on: its next chunk may use it
        counters.AddClientBytes(QuietMemoryTrim.QuietBytes / 2);
        counters.AddServerBytes(QuietMemoryTrim.QuietBytes / 2);
        trim.Look();
        Assert.Equal(0, trim.Trims);
        counters.SessionStarted();
        trim.Look();
        Assert.Equal(0, trim.Trims);

        // A thousand idle clients' keepalives: quiet.
        counters.AddServerBytes(8 * "* OK Still here\r\n".Length);
        trim.Look();
        Assert.Equal(1, trim.Trims);
    }

    [Fact]
    public void GrowthBelowTheThreshold_IsLeftAlone_AndGrowthIsCountedFromTheLastTrim()
    {
        var trim = Trim();
        trim.Look();
        committed += QuietMemoryTrim.GrowthWorthTrimming - 1;
        trim.Look();
        Assert.Equal(0, trim.Trims);

        committed += 1;
        trim.Look();
        Assert.Equal(1, trim.Trims);

        // It held 116 MiB after that trim: the next waits for 116 MiB plus the threshold, not 100 MiB plus it.
        var kept = committed;
        committed = kept + QuietMemoryTrim.GrowthWorthTrimming - 1;
        trim.Look();
        Assert.Equal(1, trim.Trims);
        committed = kept + QuietMemoryTrim.GrowthWorthTrimming;
        trim.Look();
        Assert.Equal(2, trim.Trims);
    }
}
