using System.Globalization;

namespace ImapProxy.Storage.Query;

/// <summary>Reading the values of terms: numbers with units (read by <see cref="Units"/>, as options are), times, and the errors that point at them.</summary>
internal static class FilterValues
{
    // Far beyond any latency or size, far below overflow.
    private const double Largest = 1e15;

    public const string DurationHelp = "a duration: " + Units.DurationExamples + " (a bare number is milliseconds)";
    public const string SizeHelp = "a size: " + Units.SizeExamples;
    public const string TimeHelp = "a UTC time: 2026-11-25T10:00[:30], or a date (its midnight)";

    /// <summary>Microseconds.</summary>
    public static long Duration(TermValue value) =>
        Units.Seconds(value.Text, bareNumberSeconds: 0.001) is { } seconds ? Checked(seconds * 1e6, value) : throw Bad(value, DurationHelp);

    /// <summary>Bytes.</summary>
    public static long Size(TermValue value) =>
        Units.Bytes(value.Text) is { } bytes ? Checked(bytes, value) : throw Bad(value, SizeHelp);

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

    private static long Checked(double n, TermValue value) =>
        n <= Largest ? (long)Math.Round(n) : throw new FilterException(value.Position, value.Length, $"'{value.Text}' is too large");
}
