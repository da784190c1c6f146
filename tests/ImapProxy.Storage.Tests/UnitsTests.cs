namespace ImapProxy.Storage.Tests;

/// <summary>The one grammar of durations and sizes, shared by options, configuration and filters.</summary>
public class UnitsTests
{
    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("90s", 90)]
    [InlineData("1.5h", 5400)]
    [InlineData("1d", 86400)]
    [InlineData("250us", 0.00025)]
    [InlineData("2 M", 120)]
    [InlineData("00:00:10", 10)]
    [InlineData("1.00:00:00", 86400)]
    public void Durations_InSeconds(string text, double seconds) => Assert.Equal(seconds, Units.Seconds(text, bareNumberSeconds: 1)!.Value, 9);

    [Theory]
    [InlineData("30", 0.001, 0.03)]
    [InlineData("30", 86400, 2_592_000)]
    public void BareNumbers_CountInTheCallersUnit(string text, double bareNumberSeconds, double seconds) =>
        Assert.Equal(seconds, Units.Seconds(text, bareNumberSeconds)!.Value, 9);

    [Theory]
    [InlineData("16MiB", 16L << 20)]
    [InlineData("16 MiB", 16L << 20)]
    [InlineData("1.5KB", 1500)]
    [InlineData("4gib", 4L << 30)]
    [InlineData("4096", 4096)]
    public void Sizes_InBytes(string text, double bytes) => Assert.Equal(bytes, Units.Bytes(text));

    [Theory]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("1e3s")]
    [InlineData("5w")]
    [InlineData("")]
    public void NotDurations(string text) => Assert.Null(Units.Seconds(text, bareNumberSeconds: 1));

    [Theory]
    [InlineData("lots")]
    [InlineData("5XB")]
    [InlineData("-1MB")]
    public void NotSizes(string text) => Assert.Null(Units.Bytes(text));

    [Theory]
    [InlineData(16L << 20, "16MiB")]
    [InlineData(4L << 30, "4GiB")]
    [InlineData(1000, "1000")]
    public void Sizes_AreWrittenExactly(long bytes, string text) => Assert.Equal(text, Units.Size(bytes));

    [Theory]
    [InlineData(10, "10s")]
    [InlineData(1800, "30m")]
    [InlineData(86400, "1d")]
    [InlineData(0.25, "250ms")]
    public void Durations_AreWrittenInTheLargestWholeUnit(double seconds, string text) => Assert.Equal(text, Units.Duration(TimeSpan.FromSeconds(seconds)));
}
