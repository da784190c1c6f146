using System.Diagnostics;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Tests.Support;
using Xunit.Abstractions;

namespace ImapProxy.Storage.Tests.Sqlite;

/// <summary>
/// How fast the writer empties a full queue. Reports events/s (visible with --logger "console;verbosity=detailed");
/// asserts only that everything arrives, since the machine's load decides the speed.
/// </summary>
public class ThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HundredThousandSmallEvents()
    {
        await using var h = new StoreHarness(o => o with { QueueCapacity = 200_000 });
        var id = h.Store.NextSessionId();
        foreach (var e in Synthetic.Session(id, 100_000)) Assert.True(h.Bus.Publish(e));

        var elapsed = await TimeWriterAsync(h);

        Assert.Equal(100_000, h.Writer.EventsWritten);
        output.WriteLine($"100,000 small events: {elapsed.TotalMilliseconds:F0} ms, {100_000 / elapsed.TotalSeconds:F0} events/s, {h.Writer.Batches} batches");
    }

    [Fact]
    public async Task ParsedConversation_FramesCompletionsAndRawBytes()
    {
        await using var h = new StoreHarness(o => o with { QueueCapacity = 200_000 });
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
        output.WriteLine($"{s.Published.Count:N0} parsed events ({events:N0} rows + {s.Published.Count - events:N0} raw chunks): " +
                         $"{elapsed.TotalMilliseconds:F0} ms, {s.Published.Count / elapsed.TotalSeconds:F0} events/s");
    }

    private static async Task<TimeSpan> TimeWriterAsync(StoreHarness h)
    {
        var clock = Stopwatch.StartNew();
        await h.StartAsync();
        await h.IdleAsync();
        return clock.Elapsed;
    }
}
