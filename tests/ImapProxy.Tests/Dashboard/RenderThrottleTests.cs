using ImapProxy.Dashboard.Live;
using ImapProxy.Tests.Support;

namespace ImapProxy.Tests.Dashboard;

public sealed class RenderThrottleTests
{
    [Fact]
    public void ManyChanges_RenderOnceAtOnce_ThenOnceAtTheEndOfTheInterval()
    {
        var time = new ManualTime();
        var renders = 0;
        using var throttle = new RenderThrottle(() => { renders++; return Task.CompletedTask; }, time);

        throttle.Request();
        Assert.Equal(1, renders);

        // A transfer: a chunk every millisecond for the next interval and a half.
        for (var ms = 1; ms <= 375; ms++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            throttle.Request();
        }
        Assert.Equal(2, renders);

        // The last chunks are rendered too, at the end of their interval, and nothing after.
        time.Advance(RenderThrottle.Interval);
        Assert.Equal(3, renders);
        time.Advance(RenderThrottle.Interval);
        Assert.Equal(3, renders);
    }

    [Fact]
    public void Disposed_RendersNoMore()
    {
        var time = new ManualTime();
        var renders = 0;
        var throttle = new RenderThrottle(() => { renders++; return Task.CompletedTask; }, time);
        throttle.Request();
        throttle.Request();

        throttle.Dispose();
        time.Advance(RenderThrottle.Interval);

        Assert.Equal(1, renders);
    }
}
