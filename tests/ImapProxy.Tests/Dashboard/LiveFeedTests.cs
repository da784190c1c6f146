using System.Threading.Channels;
using ImapProxy.Dashboard.Live;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImapProxy.Tests.Dashboard;

/// <summary>
/// The dashboard's live feed costs the relay nothing while nobody watches, and little while someone does: it takes
/// events from the bus only while a view listens, and hands a burst on in one batch.
/// </summary>
public sealed class LiveFeedTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly EventBus bus = new();

    private static ProxyAction Event(long session, string action) =>
        new() { SessionId = session, Source = EventSource.Proxy, Action = action, Description = action };

    [Fact]
    public async Task WhileNoViewIsOpen_TheFeedIsNotOnTheBus_AndAViewOpenedLaterGetsWhatComesAfterIt()
    {
        using var feed = new LiveFeed(bus, NullLogger<LiveFeed>.Instance, TimeProvider.System);
        Assert.False(feed.Listening);
        bus.Publish(Event(1, "before anyone watched"));

        var seen = Channel.CreateUnbounded<SessionEvent>();
        var view = feed.Subscribe(batch => WriteAll(seen, batch));
        Assert.True(feed.Listening);
        bus.Publish(Event(1, "while watched"));
        using var cts = new CancellationTokenSource(Timeout);
        Assert.Equal("while watched", ((ProxyAction)await seen.Reader.ReadAsync(cts.Token)).Action);

        view.Dispose();
        Assert.False(feed.Listening);
        bus.Publish(Event(1, "after the view closed"));
        // A second view sees neither the event before the first nor the one between: only its own time.
        using var second = feed.Subscribe(batch => WriteAll(seen, batch));
        bus.Publish(Event(1, "second view"));
        Assert.Equal("second view", ((ProxyAction)await seen.Reader.ReadAsync(cts.Token)).Action);
        Assert.False(seen.Reader.TryRead(out _));
    }

    [Fact]
    public async Task ABurstOfEvents_ReachesAViewAsOneBatch_InOrder()
    {
        var time = new ManualTime();
        using var feed = new LiveFeed(bus, NullLogger<LiveFeed>.Instance, time);
        var batches = Channel.CreateUnbounded<IReadOnlyList<SessionEvent>>();
        using var view = feed.Subscribe(batch => batches.Writer.WriteAsync(batch).AsTask());

        // A NOOP round trip: the command, its completion and the server's answer come microseconds apart.
        var names = new[] { "frame a9 NOOP", "frame a9 OK", "completed a9" };
        foreach (var name in names) bus.Publish(Event(7, name));

        // The first event started the gathering; nothing is handed on until it ends.
        using var cts = new CancellationTokenSource(Timeout);
        while (time.Waiting == 0)
        {
            cts.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }
        Assert.False(batches.Reader.TryRead(out _));
        time.Advance(LiveFeed.Gathering);
        var batch = await batches.Reader.ReadAsync(cts.Token);
        Assert.Equal(names, batch.Cast<ProxyAction>().Select(e => e.Action));
    }

    [Fact]
    public async Task TwoViews_ShareOneSubscription_WhichEndsWithTheLast()
    {
        using var feed = new LiveFeed(bus, NullLogger<LiveFeed>.Instance, TimeProvider.System);
        var first = Channel.CreateUnbounded<SessionEvent>();
        var second = Channel.CreateUnbounded<SessionEvent>();
        var one = feed.Subscribe(batch => WriteAll(first, batch));
        var two = feed.Subscribe(batch => WriteAll(second, batch));

        bus.Publish(Event(3, "both"));
        using var cts = new CancellationTokenSource(Timeout);
        Assert.Equal("both", ((ProxyAction)await first.Reader.ReadAsync(cts.Token)).Action);
        Assert.Equal("both", ((ProxyAction)await second.Reader.ReadAsync(cts.Token)).Action);

        one.Dispose();
        Assert.True(feed.Listening);
        bus.Publish(Event(3, "second only"));
        Assert.Equal("second only", ((ProxyAction)await second.Reader.ReadAsync(cts.Token)).Action);
        two.Dispose();
        Assert.False(feed.Listening);
    }

    [Fact]
    public async Task AfterTheHostStops_ANewViewDoesNotPutTheFeedBackOnTheBus()
    {
        using var feed = new LiveFeed(bus, NullLogger<LiveFeed>.Instance, TimeProvider.System);
        using var view = feed.Subscribe(_ => Task.CompletedTask);
        using var cts = new CancellationTokenSource(Timeout);
        await feed.StopAsync(cts.Token);
        Assert.False(feed.Listening);
        using var late = feed.Subscribe(_ => Task.CompletedTask);
        Assert.False(feed.Listening);
    }

    private static async Task WriteAll(Channel<SessionEvent> channel, IReadOnlyList<SessionEvent> batch)
    {
        foreach (var e in batch) await channel.Writer.WriteAsync(e);
    }
}
