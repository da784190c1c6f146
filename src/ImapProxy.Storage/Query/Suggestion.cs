namespace ImapProxy.Storage.Query;

/// <summary>"did you mean ...?" for a near miss: the closest known word within two edits.</summary>
internal static class Suggestion
{
    public static string For(string word, IEnumerable<string> known)
    {
        var lower = AsciiText.Lower(word);
        var best = known.Select(k => (Word: k, Distance: Distance(lower, AsciiText.Lower(k)))).MinBy(k => k.Distance);
        return best.Word is not null && best.Distance <= Math.Min(2, Math.Max(1, word.Length / 2)) ? $" (did you mean {best.Word}?)" : "";
    }

    // Levenshtein distance, two rows at a time.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
