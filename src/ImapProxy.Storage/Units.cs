using System.Globalization;

namespace ImapProxy.Storage;

/// <summary>
/// Durations and sizes as people type them: the one grammar of the command line, the configuration and the filter
/// language, so <c>--idle-timeout 1d</c> and <c>latency&gt;1d</c> read alike. A number (decimals allowed, no sign or
/// exponent), optionally a space, then a unit in any case. Each caller checks the range it can hold.
/// </summary>
public static class Units
{
    public const string DurationExamples = "250us, 500ms, 90s, 30m, 2h, 1d";
    public const string SizeExamples = "300 (bytes), 64KB, 1MB, 1GB, 64KiB, 16MiB, 4GiB";

    // Longest units first, so "ms" is not read as "m" (nor "s") and "KiB" not as "B".
    private static readonly (string Unit, double Seconds)[] DurationUnits =
        [("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];

    private static readonly (string Unit, double Bytes)[] SizeUnits =
        [("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("B", 1)];

    /// <summary>
    /// Seconds in "500ms", "1.5h", "1d", or in a TimeSpan such as "00:30:00"; null when the text is not a duration.
    /// </summary>
    /// <param name="bareNumberSeconds">What a number without a unit counts: the filter's latencies are milliseconds.</param>
    public static double? Seconds(string text, double bareNumberSeconds)
    {
        if (text.Contains(':'))
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero ? span.TotalSeconds : null;
        return WithUnit(text, DurationUnits, bareNumberSeconds);
    }

    /// <summary>Bytes in "16MiB", "1.5MB", "300"; null when the text is not a size.</summary>
    public static double? Bytes(string text) => WithUnit(text, SizeUnits, bareNumberScale: 1);

    /// <summary>The shortest exact spelling: 16MiB, 4GiB, 1000 (bytes).</summary>
    public static string Size(long bytes) =>
        SizeUnits.Where(u => u.Unit.EndsWith("iB", StringComparison.Ordinal)).Reverse()
            .FirstOrDefault(u => bytes > 0 && bytes % (long)u.Bytes == 0) is ({ } unit, var scale)
            ? $"{bytes / (long)scale}{unit}"
            : bytes.ToString(CultureInfo.InvariantCulture);

    /// <summary>The largest whole unit: 10s, 30m, 1d (or milliseconds).</summary>
    public static string Duration(TimeSpan duration)
    {
        foreach (var (unit, seconds) in DurationUnits.Where(u => u.Seconds >= 1).Reverse())
        {
            if (duration.TotalSeconds > 0 && duration.TotalSeconds % seconds == 0) return $"{duration.TotalSeconds / seconds:0}{unit}";
        }
        return $"{duration.TotalMilliseconds:0.###}ms";
    }

    private static double? WithUnit(string text, IEnumerable<(string Unit, double Scale)> units, double bareNumberScale)
    {
        foreach (var (unit, scale) in units.OrderByDescending(u => u.Unit.Length))
        {
            if (text.EndsWith(unit, StringComparison.OrdinalIgnoreCase) && Number(text[..^unit.Length].TrimEnd()) is { } n) return n * scale;
        }
        return Number(text) is { } plain ? plain * bareNumberScale : null;
    }

    private static double? Number(string text) =>
        text.Length > 0 && double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) ? n : null;
}
