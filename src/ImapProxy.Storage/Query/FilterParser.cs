namespace ImapProxy.Storage.Query;

/// <summary>
/// Recursive descent over <see cref="FilterLexer"/>'s tokens. Grammar (not binds tightest, then and, then or):
/// <code>
/// filter = or END
/// or     = and *("or" and)
/// and    = unary *(["and"] unary)              ; terms side by side mean and
/// unary  = ("not" / "!") unary / "(" or ")" / term
/// term   = FIELD OPERATOR values / values       ; bare values search the text field
/// values = ["!"] VALUE *("|" VALUE)             ; no space inside: cmd:FETCH|STORE, status:!OK
/// </code>
/// Filters come from URLs and text boxes: the length, the nesting and the number of terms are bounded (the
/// last also keeps the SQL well inside SQLite's expression depth), and every error says where it is.
/// </summary>
internal sealed class FilterParser
{
    public const int MaxLength = 4096;
    public const int MaxDepth = 32;
    public const int MaxTerms = 100;

    private readonly List<FilterToken> tokens;
    private int next;
    private int depth;
    private int terms;

    private FilterParser(List<FilterToken> tokens) => this.tokens = tokens;

    public static FilterNode Parse(string text)
    {
        if (text.Length > MaxLength)
            throw new FilterException(MaxLength, text.Length - MaxLength, $"the filter is longer than {MaxLength} characters");
        var parser = new FilterParser(FilterLexer.Tokenize(text));
        if (parser.Peek.Kind == TokenKind.End) throw new FilterException(0, text.Length, "the filter is empty");
        var root = parser.ParseOr();
        // ParseOr stops only at the end or at a ')' (ParseAnd takes every other token).
        if (parser.Peek is { Kind: TokenKind.Close } extra) throw new FilterException(extra.Position, 1, "')' without a matching '('");
        return root;
    }

    private FilterToken Peek => tokens[next];

    private FilterToken Take() => tokens[next++];

    private FilterNode ParseOr()
    {
        var parts = new List<FilterNode> { ParseAnd() };
        while (Peek.Kind == TokenKind.Or)
        {
            Take();
            parts.Add(ParseAnd());
        }
        return parts.Count == 1 ? parts[0] : new OrNode(parts);
    }

    private FilterNode ParseAnd()
    {
        var parts = new List<FilterNode> { ParseUnary() };
        while (Peek.Kind is not (TokenKind.Or or TokenKind.Close or TokenKind.End))
        {
            if (Peek.Kind == TokenKind.And) Take();
            parts.Add(ParseUnary());
        }
        return parts.Count == 1 ? parts[0] : new AndNode(parts);
    }

    private FilterNode ParseUnary()
    {
        var token = Peek;
        if (++depth > MaxDepth) throw new FilterException(token.Position, token.Length, $"the filter nests deeper than {MaxDepth} levels");
        try
        {
            switch (token.Kind)
            {
                case TokenKind.Not:
                    Take();
                    return new NotNode(ParseUnary());
                case TokenKind.Open:
                    Take();
                    var inner = ParseOr();
                    if (Peek.Kind != TokenKind.Close) throw new FilterException(token.Position, 1, "'(' is not closed: add a ')'");
                    Take();
                    return inner;
                case TokenKind.Field:
                    return ParseTerm(Take());
                case TokenKind.Value:
                    return ParseValues(FilterFields.TextField, Comparison.Matches, token.Position, token.Position);
                case TokenKind.End:
                    throw new FilterException(token.Position, 0, "a term is missing at the end");
                case TokenKind.And or TokenKind.Or:
                    throw new FilterException(token.Position, token.Length, $"a term is missing before '{token.Text}'");
                case TokenKind.Close:
                    throw new FilterException(token.Position, 1, "a term is missing before ')'");
                default:
                    throw Unexpected(token);
            }
        }
        finally
        {
            depth--;
        }
    }

    private FilterNode ParseTerm(FilterToken name)
    {
        var field = FilterFields.Find(name.Text)
            ?? throw new FilterException(name.Position, name.Length,
                $"unknown field '{name.Text}'{Suggestion.For(name.Text, FilterFields.Names)}; to search for this text, put it in quotes");
        var op = Take();
        var comparison = op.Text switch
        {
            ">" => Comparison.Greater,
            ">=" => Comparison.GreaterOrEqual,
            "<" => Comparison.Less,
            "<=" => Comparison.LessOrEqual,
            _ => Comparison.Matches,
        };
        if (comparison != Comparison.Matches && !field.Comparable)
            throw new FilterException(op.Position, op.Length, $"{field.Name} cannot be compared with '{op.Text}': write {field.Example}");
        return ParseValues(field, comparison, name.Position, op.End);
    }

    /// <param name="valueAt">Where the value must start: values follow their operator without a space.</param>
    private FilterNode ParseValues(FilterField field, Comparison comparison, int termStart, int valueAt)
    {
        var negated = Peek.Kind == TokenKind.Bang && Peek.Position == valueAt;
        if (negated)
        {
            if (comparison != Comparison.Matches)
                throw new FilterException(Peek.Position, 1, $"'!' does not go with a comparison: write not {field.Name}...");
            valueAt = Take().End;
        }
        var values = new List<TermValue> { Value(field, valueAt, negated ? "after '!'" : "") };
        while (Peek.Kind == TokenKind.Pipe)
        {
            var pipe = Take();
            values.Add(Value(field, pipe.End, "after '|'"));
        }
        terms += values.Count;
        if (terms > MaxTerms)
            throw new FilterException(termStart, values[^1].Position + values[^1].Length - termStart, $"the filter has more than {MaxTerms} terms");
        var end = values[^1].Position + values[^1].Length;
        var syntax = new TermSyntax(field, comparison, negated, values, termStart, end - termStart);
        return new TermNode(field, field.Compile(syntax), termStart, end - termStart);
    }

    private TermValue Value(FilterField field, int at, string where)
    {
        var token = Peek;
        if (token.Kind != TokenKind.Value || token.Position != at)
            throw new FilterException(at, 0, $"{field.Name} needs a value{(where.Length > 0 ? " " + where : "")}, e.g. {field.Example}");
        Take();
        if (token.Text.Length == 0) throw new FilterException(token.Position, token.Length, $"{field.Name} needs a value, not empty quotes");
        return new TermValue(token.Text, token.Position, token.Length, token.Quoted);
    }

    private static FilterException Unexpected(FilterToken token) =>
        new(token.Position, token.Length, $"'{token.Text}' is out of place here");
}
