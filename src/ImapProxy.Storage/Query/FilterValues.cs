using System.Globalization;

namespace ImapProxy.Storage.Query;

/// <summary>Reading the values of terms: numbers with units, times, and the errors that point at them.</summary>
internal static class FilterValues
{
    private static readonly (string Unit, double Microseconds)[] DurationUnits = [("us", 1), ("µs", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000)];
    private static readonly (string Unit, long Bytes)[] SizeUnits =
        [("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1)];

    /// <summary>Microseconds of "500ms", "2s", "150us"; a bare number is milliseconds.</summary>
    public static long Duration(string text, int position)
    {
        foreach (var (unit, us) in DurationUnits.OrderByDescending(u => u.Unit.Length))
        {
            if (text.EndsWith(unit, StringComparison.OrdinalIgnoreCase) && Number(text[..^unit.Length]) is { } n) return (long)(n * us);
        }
        return Number(text) is { } ms ? (long)(ms * 1000) : throw Bad(text, position, "a duration such as 500ms, 2s or 150us");
    }

    /// <summary>Bytes of "1MB", "64KiB", "300"; a bare number is bytes.</summary>
    public static long Size(string text, int position)
    {
        foreach (var (unit, bytes) in SizeUnits)
        {
            if (text.EndsWith(unit, StringComparison.OrdinalIgnoreCase) && Number(text[..^unit.Length]) is { } n) return (long)(n * bytes);
        }
        return Number(text) is { } plain ? (long)plain : throw Bad(text, position, "a size such as 1MB, 64KiB or 300");
    }

    public static long Integer(string text, int position) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Bad(text, position, "a whole number");

    /// <summary>A UTC time: "2026-11-25T10:00", "2026-11-25T10:00:30", or a date ("2026-11-25" is its midnight).</summary>
    public static DateTimeOffset Time(string text, int position)
    {
        string[] formats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd", "yyyy-MM-dd HH:mm"];
        var trimmed = text.TrimEnd('Z', 'z');
        return DateTimeOffset.TryParseExact(trimmed, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw Bad(text, position, "a UTC time such as 2026-11-25T10:00 or a date such as 2026-11-25");
    }

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : null;

    public static FilterException Bad(string text, int position, string expected) =>
        new(position, Math.Max(text.Length, 1), $"'{text}' is not {expected}");
}
