using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

public class FilterValuesTests
{
    [Theory]
    [InlineData("500ms", 500_000)]
    [InlineData("500", 500_000)]
    [InlineData("2s", 2_000_000)]
    [InlineData("1.5s", 1_500_000)]
    [InlineData("250us", 250)]
    [InlineData("250µs", 250)]
    [InlineData("1m", 60_000_000)]
    [InlineData("1h", 3_600_000_000)]
    [InlineData("2MS", 2_000)]
    [InlineData("1d", 86_400_000_000)]
    [InlineData("5 ms", 5_000)]
    [InlineData("00:00:02", 2_000_000)]
    public void Durations_AreMicroseconds(string text, long microseconds) => Assert.Equal(microseconds, FilterValues.Duration(Value(text)));

    [Theory]
    [InlineData("300", 300)]
    [InlineData("300B", 300)]
    [InlineData("1KB", 1_000)]
    [InlineData("0.5KB", 500)]
    [InlineData("1MB", 1_000_000)]
    [InlineData("1GB", 1_000_000_000)]
    [InlineData("64KiB", 65_536)]
    [InlineData("1MiB", 1_048_576)]
    [InlineData("1gib", 1_073_741_824)]
    public void Sizes_AreBytes(string text, long bytes) => Assert.Equal(bytes, FilterValues.Size(Value(text)));

    [Theory]
    [InlineData("2026-11-25", "2026-11-25T00:00:00Z")]
    [InlineData("2026-11-25T10:00", "2026-11-25T10:00:00Z")]
    [InlineData("2026-11-25T10:00:30", "2026-11-25T10:00:30Z")]
    [InlineData("2026-11-25T10:00:30.25", "2026-11-25T10:00:30.25Z")]
    [InlineData("2026-11-25T10:00Z", "2026-11-25T10:00:00Z")]
    [InlineData("2026-11-25T11:00+01:00", "2026-11-25T10:00:00Z")]
    public void Times_AreUtc(string text, string utc) =>
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), FilterValues.Time(Value(text)));

    [Theory]
    [InlineData("-5ms")]
    [InlineData("ms")]
    [InlineData("1e3")]
    [InlineData("5w")]
    public void BadDurations_AreRefused(string text) => Assert.Throws<FilterException>(() => FilterValues.Duration(Value(text)));

    private static TermValue Value(string text) => new(text, 0, text.Length, Quoted: false);
}
