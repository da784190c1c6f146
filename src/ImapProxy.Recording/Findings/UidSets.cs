namespace ImapProxy.Recording.Findings;

/// <summary>sequence-set / uid-set text (RFC 3501 §9: "1:3,7,10:12").</summary>
public static class UidSets
{
    /// <summary>How many numbers the set names; null when it is not a set of plain numbers (the wire is not trusted).</summary>
    public static ulong? Count(string set)
    {
        ulong total = 0;
        foreach (var range in set.Split(','))
        {
            var ends = range.Split(':');
            if (ends.Length > 2 || !ulong.TryParse(ends[0], out var first)) return null;
            var last = first;
            if (ends.Length == 2 && !ulong.TryParse(ends[1], out last)) return null;
            // A range "0:18446744073709551615" names 2^64 numbers: the count saturates rather than wrapping to 0.
            total = Saturated(total, Saturated(first > last ? first - last : last - first, 1));
        }
        return total;
    }

    private static ulong Saturated(ulong a, ulong b) => a + b < a ? ulong.MaxValue : a + b;

    /// <summary>The numbers the set names, at most <paramref name="max"/>; as far as it reads when it is not a plain set.</summary>
    public static List<ulong> Numbers(string set, int max)
    {
        var numbers = new List<ulong>();
        foreach (var range in set.Split(','))
        {
            var ends = range.Split(':');
            if (!ulong.TryParse(ends[0], out var first)) return numbers;
            var last = ends.Length == 2 && ulong.TryParse(ends[1], out var l) ? l : first;
            // Stops at the range's top before stepping past it: n++ at 18446744073709551615 would wrap to 0.
            var (low, high) = (Math.Min(first, last), Math.Max(first, last));
            for (var n = low; numbers.Count < max; n++)
            {
                numbers.Add(n);
                if (n == high) break;
            }
        }
        return numbers;
    }
}
