using ImapProxy.Configuration;
using ImapProxy.Storage;
using ImapProxy.Storage.Query;

namespace ImapProxy.Tests.Configuration;

/// <summary>A duration or a size typed the same way means the same in an option and in a filter.</summary>
public class OneUnitGrammarTests
{
    [Theory]
    [InlineData("1d")]
    [InlineData("90s")]
    [InlineData("1.5h")]
    [InlineData("500ms")]
    [InlineData("30m")]
    [InlineData("00:00:10")]
    public void Durations(string text)
    {
        var latency = SettingValues.Duration(text, "--idle-timeout");
        var completion = Event(latency);

        Assert.True(Filter.Parse($"latency>={text}").MatchesEvent(Session(0), completion));
        Assert.False(Filter.Parse($"latency>{text}").MatchesEvent(Session(0), completion));
    }

    [Theory]
    [InlineData("16MiB")]
    [InlineData("4GiB")]
    [InlineData("1MB")]
    [InlineData("512KiB")]
    [InlineData("4096")]
    public void Sizes(string text)
    {
        var bytes = SettingValues.Size(text, "--literal-cap");

        Assert.True(Filter.Parse($"size>={text}").MatchesSession(Session(bytes), []));
        Assert.False(Filter.Parse($"size>{text}").MatchesSession(Session(bytes), []));
    }

    private static SessionRow Session(long bytes) => new(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1), null, null, null, null, null,
        null, false, null, null, null, null, null, "client-closed", null, ClientBytes: bytes, ServerBytes: 0, 0, 0, 0, 0, 0, false, 0, null);

    private static EventRow Event(TimeSpan latency) => new(1, 2, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "proxy", null, "command-completed", null,
        "a1", "FETCH", "ok", latency, "{}");
}
