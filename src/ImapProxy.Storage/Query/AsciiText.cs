namespace ImapProxy.Storage.Query;

/// <summary>
/// Case folding as SQLite does it (lower() and LIKE fold ASCII only), so the in-memory evaluator and the SQL
/// translation agree on every input, accented letters included.
/// </summary>
internal static class AsciiText
{
    public static string Lower(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++) span[i] = char.IsAsciiLetterUpper(source[i]) ? (char)(source[i] + 32) : source[i];
    });

    public static string Upper(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++) span[i] = char.IsAsciiLetterLower(source[i]) ? (char)(source[i] - 32) : source[i];
    });

    public static bool EqualsIgnoreCase(string a, string b) => Lower(a) == Lower(b);

    public static bool ContainsIgnoreCase(string text, string needle) => Lower(text).Contains(Lower(needle), StringComparison.Ordinal);

    /// <summary>'*' matches any run of characters (LIKE's '%'), the rest literally, ASCII case-insensitive.</summary>
    public static bool Glob(string text, string pattern)
    {
        var parts = Lower(pattern).Split('*');
        var value = Lower(text);
        if (!value.StartsWith(parts[0], StringComparison.Ordinal)) return false;
        var at = parts[0].Length;
        for (var i = 1; i < parts.Length; i++)
        {
            if (i == parts.Length - 1) return value.Length - at >= parts[i].Length && value.EndsWith(parts[i], StringComparison.Ordinal);
            var found = value.IndexOf(parts[i], at, StringComparison.Ordinal);
            if (found < 0) return false;
            at = found + parts[i].Length;
        }
        return at == value.Length;
    }

    /// <summary>The LIKE pattern for a glob, with LIKE's own wildcards escaped (ESCAPE '\').</summary>
    public static string LikePattern(string glob) => LikeLiteral(glob).Replace('*', '%');

    /// <summary>Text that LIKE matches literally: its wildcards and the escape character escaped (ESCAPE '\').</summary>
    public static string LikeLiteral(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
