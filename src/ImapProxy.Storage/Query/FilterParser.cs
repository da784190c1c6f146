using System.Text;

namespace ImapProxy.Storage.Query;

/// <summary>
/// Recursive descent over the filter text. Grammar:
/// <code>
/// or    = and *("or" and)
/// and   = unary *(["and"] unary)
/// unary = "not" unary / "(" or ")" / term
/// term  = field (":" / "&gt;" / "&gt;=" / "&lt;" / "&lt;=" / "=") value / value   ; a bare value is text:value
/// value = ["!"] (word *("|" word) / quoted)
/// </code>
/// Errors carry the position of the offending text.
/// </summary>
internal sealed class FilterParser(string text)
{
    public const int MaxLength = 4096;
    private const int MaxDepth = 50;

    private int position;
    private int depth;

    public static FilterNode Parse(string text)
    {
        if (text.Length > MaxLength) throw new FilterException(MaxLength, text.Length - MaxLength, $"the filter is longer than {MaxLength} characters");
        var parser = new FilterParser(text);
        parser.SkipSpaces();
        if (parser.AtEnd) throw new FilterException(0, 0, "the filter is empty");
        var node = parser.ParseOr();
        parser.SkipSpaces();
        if (!parser.AtEnd)
            throw new FilterException(parser.position, 1, parser.Peek() == ')' ? "')' without a matching '('" : $"unexpected '{parser.Peek()}'");
        return node;
    }

    private bool AtEnd => position >= text.Length;
    private char Peek() => text[position];

    private FilterNode ParseOr()
    {
        var parts = new List<FilterNode> { ParseAnd() };
        while (TryKeyword("or")) parts.Add(ParseAnd());
        return parts.Count == 1 ? parts[0] : new OrNode(parts);
    }

    private FilterNode ParseAnd()
    {
        var parts = new List<FilterNode> { ParseUnary() };
        while (true)
        {
            SkipSpaces();
            if (AtEnd || Peek() == ')' || LooksLikeKeyword("or")) break;
            TryKeyword("and");
            parts.Add(ParseUnary());
        }
        return parts.Count == 1 ? parts[0] : new AndNode(parts);
    }

    private FilterNode ParseUnary()
    {
        SkipSpaces();
        if (AtEnd) throw new FilterException(position, 0, "a term is missing at the end");
        if (++depth > MaxDepth) throw new FilterException(position, 1, $"more than {MaxDepth} nested parts");
        try
        {
            if (TryKeyword("not")) return new NotNode(ParseUnary());
            if (Peek() == '(')
            {
                var open = position++;
                var inner = ParseOr();
                SkipSpaces();
                if (AtEnd || Peek() != ')') throw new FilterException(open, 1, "'(' is not closed");
                position++;
                return inner;
            }
            if (Peek() == ')') throw new FilterException(position, 1, "')' without a matching '('");
            if (LooksLikeKeyword("and") || LooksLikeKeyword("or")) throw new FilterException(position, 3, "a term is missing before this operator");
            return ParseTerm();
        }
        finally
        {
            depth--;
        }
    }

    private FilterNode ParseTerm()
    {
        var start = position;
        var nameEnd = start;
        while (nameEnd < text.Length && char.IsAsciiLetter(text[nameEnd])) nameEnd++;
        if (nameEnd > start && nameEnd < text.Length && text[nameEnd] is ':' or '>' or '<' or '=')
        {
            var name = text[start..nameEnd];
            var field = FilterFields.Find(name)
                ?? throw new FilterException(start, name.Length, $"unknown field '{name}'{Suggestion(name)}; see the help for the fields");
            position = nameEnd;
            var comparison = ReadOperator(field);
            return ReadValue(field, comparison);
        }
        // A bare word or quoted text searches the text of commands and responses.
        return ReadValue(FilterFields.Find("text")!, Comparison.Matches);
    }

    private Comparison ReadOperator(FilterField field)
    {
        var at = position;
        var op = text[position++];
        var orEqual = !AtEnd && Peek() == '=' && op is '>' or '<';
        if (orEqual) position++;
        var comparison = (op, orEqual) switch
        {
            (':', _) => Comparison.Matches,
            ('=', _) => Comparison.Equal,
            ('>', false) => Comparison.Greater,
            ('>', true) => Comparison.GreaterOrEqual,
            ('<', false) => Comparison.Less,
            _ => Comparison.LessOrEqual,
        };
        if (comparison is not (Comparison.Matches or Comparison.Equal) && !field.Comparable)
            throw new FilterException(at, position - at, $"{field.Name} cannot be compared with '{text[at..position]}': use {field.Name}:value");
        return comparison;
    }

    private FilterNode ReadValue(FilterField field, Comparison comparison)
    {
        var negated = !AtEnd && Peek() == '!';
        if (negated) position++;
        if (AtEnd || char.IsWhiteSpace(Peek()) || Peek() == ')')
            throw new FilterException(position, 0, $"{field.Name} needs a value, e.g. {field.Example}");
        var alternatives = new List<FilterNode>();
        do
        {
            var start = position;
            var value = Peek() == '"' ? ReadQuoted() : ReadWord();
            if (value.Length == 0) throw new FilterException(start, 1, $"{field.Name} needs a value, e.g. {field.Example}");
            alternatives.Add(new TermNode(field, field.Compile(comparison, value, start)));
        }
        while (!AtEnd && Peek() == '|' && ++position > 0);
        FilterNode node = alternatives.Count == 1 ? alternatives[0] : new OrNode(alternatives);
        return negated ? new NotNode(node) : node;
    }

    private string ReadWord()
    {
        var start = position;
        while (!AtEnd && !char.IsWhiteSpace(Peek()) && Peek() is not ('(' or ')' or '|' or '"')) position++;
        return text[start..position];
    }

    private string ReadQuoted()
    {
        var open = position++;
        var value = new StringBuilder();
        while (!AtEnd && Peek() != '"')
        {
            if (Peek() == '\\' && position + 1 < text.Length) position++;
            value.Append(text[position++]);
        }
        if (AtEnd) throw new FilterException(open, text.Length - open, "quoted text is not closed");
        position++;
        return value.ToString();
    }

    private void SkipSpaces()
    {
        while (!AtEnd && char.IsWhiteSpace(Peek())) position++;
    }

    private bool LooksLikeKeyword(string keyword) =>
        position + keyword.Length <= text.Length
        && text.AsSpan(position, keyword.Length).Equals(keyword, StringComparison.OrdinalIgnoreCase)
        && (position + keyword.Length == text.Length || char.IsWhiteSpace(text[position + keyword.Length]) || text[position + keyword.Length] == '(');

    private bool TryKeyword(string keyword)
    {
        SkipSpaces();
        if (!LooksLikeKeyword(keyword)) return false;
        position += keyword.Length;
        return true;
    }

    /// <summary>", did you mean cmd?" for a near miss (edit distance at most 2).</summary>
    private static string Suggestion(string name)
    {
        var best = FilterFields.All.Select(f => (f.Name, Distance: Distance(name.ToLowerInvariant(), f.Name))).MinBy(f => f.Distance);
        return best.Distance <= 2 ? $", did you mean {best.Name}?" : "";
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
