using System.Globalization;

namespace ImapProxy.Storage.Query;

/// <summary>Reading the values of terms: numbers with units, times, and the errors that point at them.</summary>
internal static class FilterValues
{
    // Longest units first, so "ms" is not read as "m" and "KiB" not as "B".
    private static readonly (string Unit, double Microseconds)[] DurationUnits =
        [("us", 1), ("µs", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000)];

    private static readonly (string Unit, double Bytes)[] SizeUnits =
        [("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("B", 1)];

    // Far beyond any latency or size, far below overflow.
    private const double Largest = 1e15;

    public const string DurationHelp = "a duration: 250us, 500ms (the default unit), 2s, 1m, 1h";
    public const string SizeHelp = "a size: 300 (bytes), 64KB, 1MB, 1GB, 64KiB, 1MiB, 1GiB";
    public const string TimeHelp = "a UTC time: 2026-11-25T10:00[:30], or a date (its midnight)";

    /// <summary>Microseconds.</summary>
    public static long Duration(TermValue value) =>
        WithUnit(value, DurationUnits.OrderByDescending(u => u.Unit.Length), defaultScale: 1_000, DurationHelp);

    /// <summary>Bytes.</summary>
    public static long Size(TermValue value) =>
        WithUnit(value, SizeUnits.OrderByDescending(u => u.Unit.Length), defaultScale: 1, SizeHelp);

    public static long Integer(TermValue value) =>
        long.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Bad(value, "a whole number such as 42");

    /// <summary>A time in UTC ('Z' or an explicit offset accepted); a date alone is its midnight.</summary>
    public static DateTimeOffset Time(TermValue value)
    {
        string[] formats =
        [
            "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
            "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        ];
        return DateTimeOffset.TryParseExact(value.Text, formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw Bad(value, TimeHelp);
    }

    public static FilterException Bad(TermValue value, string expected) =>
        new(value.Position, Math.Max(value.Length, 1), $"'{value.Text}' is not {expected}");

    private static long WithUnit(TermValue value, IEnumerable<(string Unit, double Scale)> units, double defaultScale, string expected)
    {
        var text = value.Text;
        foreach (var (unit, scale) in units)
        {
            if (text.EndsWith(unit, StringComparison.OrdinalIgnoreCase) && Number(text[..^unit.Length]) is { } n) return Checked(n * scale, value);
        }
        return Number(text) is { } plain ? Checked(plain * defaultScale, value) : throw Bad(value, expected);
    }

    private static long Checked(double n, TermValue value) =>
        n <= Largest ? (long)Math.Round(n) : throw new FilterException(value.Position, value.Length, $"'{value.Text}' is too large");

    private static double? Number(string text) =>
        text.Length > 0 && double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) ? n : null;
}
