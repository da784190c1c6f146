using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Commands;

/// <summary>SEARCH criteria into a tree (RFC 3501 §6.4.4, RFC 4731 RETURN, RFC 7162 MODSEQ, RFC 5032 WITHIN).</summary>
internal static class SearchParser
{
    private const int MaxDepth = 100;

    private static readonly HashSet<string> OneArgument = new(StringComparer.OrdinalIgnoreCase)
    {
        "BCC", "BEFORE", "BODY", "CC", "FROM", "KEYWORD", "LARGER", "ON", "SENTBEFORE", "SENTON", "SENTSINCE",
        "SINCE", "SMALLER", "SUBJECT", "TEXT", "TO", "UID", "UNKEYWORD", "OLDER", "YOUNGER", "FILTER",
        "EMAILID", "THREADID", "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE",
        "X-GM-RAW", "X-GM-MSGID", "X-GM-THRID", "X-GM-LABELS",
    };

    public static CommandArgs? Parse(ArgumentReader a, bool uid)
    {
        var i = 0;
        IReadOnlyList<string>? returns = null;
        string? charset = null;
        if (i + 1 < a.Count && a[i].IsAtom("RETURN") && a[i + 1] is ImapList options)
        {
            returns = options.Items.Select(ArgumentReader.Text).ToArray();
            i += 2;
        }
        if (i + 1 < a.Count && a[i].IsAtom("CHARSET"))
        {
            charset = a.AString(i + 1);
            i += 2;
        }
        var keys = new List<SearchKey>();
        while (i < a.Count)
        {
            var key = ReadKey(a, ref i, 0);
            if (key is null) return a.Bad();
            keys.Add(key);
        }
        if (keys.Count == 0) return a.Bad();
        return new SearchArgs(uid, charset, returns, keys.Count == 1 ? keys[0] : new SearchAnd(keys));
    }

    private static SearchKey? ReadKey(ArgumentReader a, ref int i, int depth)
    {
        if (i >= a.Count || depth > MaxDepth) return null;
        var value = a[i++];
        if (value is ImapList group)
        {
            var inner = new ArgumentReader(group.Items, a.Frame);
            var j = 0;
            var keys = new List<SearchKey>();
            while (j < inner.Count)
            {
                var key = ReadKey(inner, ref j, depth + 1);
                if (key is null) return null;
                keys.Add(key);
            }
            return new SearchAnd(keys);
        }
        var name = ArgumentReader.Text(value).ToUpperInvariant();
        switch (name)
        {
            case "NOT":
                var operand = ReadKey(a, ref i, depth + 1);
                return operand is null ? null : new SearchNot(operand);
            case "OR":
                var left = ReadKey(a, ref i, depth + 1);
                var right = left is null ? null : ReadKey(a, ref i, depth + 1);
                return right is null ? null : new SearchOr(left!, right);
            case "HEADER":
                return Take(a, ref i, name, 2);
            case "MODSEQ":
                // RFC 7162 §3.1.5: MODSEQ [entry-name entry-type-req] mod-sequence-valzer
                return Take(a, ref i, name, i < a.Count && a[i] is ImapString ? 3 : 1);
        }
        if (OneArgument.Contains(name)) return Take(a, ref i, name, 1);
        if (IsSequenceSet(name)) return new SearchTerm("SET", [value]);
        // Keys without arguments (ALL, SEEN, UNDRAFT..., RFC 6203's FUZZY prefix, kept in order as a term of its own),
        // and extension keys we do not know: kept without arguments; an unknown key's arguments become keys of their own.
        return new SearchTerm(name, null);
    }

    private static SearchTerm? Take(ArgumentReader a, ref int i, string name, int count)
    {
        if (i + count > a.Count) return null;
        var args = new ImapValue[count];
        for (var k = 0; k < count; k++) args[k] = a[i++];
        return new SearchTerm(name, args);
    }

    private static bool IsSequenceSet(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiDigit(c) || c is ':' or ',' or '*' or '$');
}
