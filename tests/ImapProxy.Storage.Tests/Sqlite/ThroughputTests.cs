using System.Diagnostics;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Tests.Support;
using Xunit.Abstractions;

namespace ImapProxy.Storage.Tests.Sqlite;

/// <summary>
/// How fast the writer empties a full queue. Reports events/s (visible with --logger "console;verbosity=detailed");
/// asserts only that everything arrives, since the machine's load decides the speed.
/// </summary>
public abstract class ThroughputTests(StoreEngine engine, ITestOutputHelper output)
{
    [Fact]
    public async Task HundredThousandSmallEvents()
    {
        await using var h = await engine.HarnessAsync(o => o with { QueueCapacity = 200_000 });
        var id = h.Store.NextSessionId();
        foreach (var e in Synthetic.Session(id, 100_000)) Assert.True(h.Bus.Publish(e));

        var elapsed = await TimeWriterAsync(h);

        Assert.Equal(100_000, h.Writer.EventsWritten);
        output.WriteLine($"{engine}: 100,000 small events: {elapsed.TotalMilliseconds:F0} ms, {100_000 / elapsed.TotalSeconds:F0} events/s, {h.Writer.Batches} batches");
    }

    [Fact]
    public async Task ParsedConversation_FramesCompletionsAndRawBytes()
    {
        await using var h = await engine.HarnessAsync(o => o with { QueueCapacity = 200_000 });
        var s = new Conversation(h.Bus, h.Store.NextSessionId(), DateTimeOffset.UnixEpoch) { ReadSize = 4096, LiteralCap = 16 };
        s.Open("127.0.0.1:50000", "imap.example.test:993");
        s.Server("* OK ready\r\n");
        for (var i = 0; s.Published.Count < 100_000; i++)
        {
            s.Client($"a{i} UID FETCH {i}:* (FLAGS)\r\n");
            s.Server($"* {i} FETCH (UID {i} FLAGS (\\Seen))\r\na{i} OK FETCH completed\r\n");
        }
        s.Close();
        var events = s.Published.Count(e => e is not RawBytes);

        var elapsed = await TimeWriterAsync(h);

        Assert.Equal(events, h.Writer.EventsWritten);
        output.WriteLine($"{engine}: {s.Published.Count:N0} parsed events ({events:N0} rows + {s.Published.Count - events:N0} raw chunks): " +
                         $"{elapsed.TotalMilliseconds:F0} ms, {s.Published.Count / elapsed.TotalSeconds:F0} events/s");
    }

    [Fact]
    public async Task FortyMegabytesOfRawBytes_InFourKilobyteChunks()
    {
        const int chunks = 10_240, size = 4_096;
        // All 40 MB are queued before the writer starts: the queue must hold them (the default 32 MiB would not).
        await using var h = await engine.HarnessAsync(o => o with { QueueBytes = 64L * 1024 * 1024 });
        var id = h.Store.NextSessionId();
        Assert.True(h.Bus.Publish(Synthetic.Opened(id)));
        var data = new byte[size];
        Random.Shared.NextBytes(data);
        for (var i = 0; i < chunks; i++) Assert.True(h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, (long)i * size, data)));

        var elapsed = await TimeWriterAsync(h);

        Assert.Equal((long)chunks * size, h.Writer.RawBytesWritten);
        output.WriteLine($"{engine}: {chunks * size / 1e6:F0} MB of raw bytes in {size:N0}-byte chunks: {elapsed.TotalMilliseconds:F0} ms, " +
                         $"{chunks * size / 1e6 / elapsed.TotalSeconds:F1} MB/s, {h.Writer.Batches} batches");
    }

    private static async Task<TimeSpan> TimeWriterAsync(StoreHarness h)
    {
        var clock = Stopwatch.StartNew();
        await h.StartAsync();
        await h.IdleAsync();
        return clock.Elapsed;
    }
}

public sealed class SqliteThroughputTests(ITestOutputHelper output) : ThroughputTests(StoreEngine.Sqlite, output);

public sealed class PostgresThroughputTests(ITestOutputHelper output) : ThroughputTests(StoreEngine.Postgres, output);
