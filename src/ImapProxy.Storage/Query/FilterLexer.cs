using System.Text;

namespace ImapProxy.Storage.Query;

/// <summary>
/// Splits a filter into tokens. Two modes, because a value may contain what separates terms elsewhere
/// (<c>after:2026-11-25T10:00</c>, <c>client:[::1]</c>): in expression mode ':' ends a field name; in value
/// mode (after a field's operator, or a bare word) only white space, parentheses, '|' and quotes end a value.
/// </summary>
internal sealed class FilterLexer(string text)
{
    private enum Mode
    {
        Expression,

        /// <summary>Right after a field's operator: a '!' may come first.</summary>
        FirstValue,

        /// <summary>After '|': another value must follow.</summary>
        NextValue,
    }

    private int position;
    private Mode mode;

    /// <summary>The tokens of <paramref name="text"/>, the last one <see cref="TokenKind.End"/>.</summary>
    /// <exception cref="FilterException">A quoted string is not closed.</exception>
    public static List<FilterToken> Tokenize(string text)
    {
        var lexer = new FilterLexer(text);
        var tokens = new List<FilterToken>();
        // A step yields one to three tokens: a field comes with its operator (and "!=" with a "!").
        while (tokens.Count == 0 || tokens[^1].Kind != TokenKind.End)
            tokens.AddRange(lexer.mode == Mode.Expression ? lexer.ExpressionTokens() : lexer.ValueTokens());
        return tokens;
    }

    private FilterToken[] ExpressionTokens()
    {
        while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
        if (position == text.Length) return [new(TokenKind.End, "", position, 0)];
        var start = position;
        switch (text[position])
        {
            case '(':
                position++;
                return [new(TokenKind.Open, "(", start, 1)];
            case ')':
                position++;
                return [new(TokenKind.Close, ")", start, 1)];
            case '!':
                position++;
                return [new(TokenKind.Not, "!", start, 1)];
            case '"':
                return ValueTokens();
        }
        var nameEnd = start;
        // Field names start with a letter, then letters, digits (ja4) and inner hyphens (client-app).
        while (nameEnd < text.Length && (char.IsAsciiLetter(text[nameEnd]) || (char.IsAsciiDigit(text[nameEnd]) || text[nameEnd] == '-') && nameEnd > start))
            nameEnd++;
        if (nameEnd > start && OperatorAt(nameEnd) is { } op)
        {
            position = nameEnd + op.Length;
            mode = Mode.FirstValue;
            // "!=" is the operator "=" with a negated value.
            return op == "!="
                ? [new(TokenKind.Field, text[start..nameEnd], start, nameEnd - start), new(TokenKind.Operator, "=", nameEnd, 2),
                   new(TokenKind.Bang, "!", position, 0)]
                : [new(TokenKind.Field, text[start..nameEnd], start, nameEnd - start), new(TokenKind.Operator, op, nameEnd, op.Length)];
        }
        var word = WordAt(start, stopAtPipe: false);
        var keyword = word.ToLowerInvariant() switch
        {
            "and" => TokenKind.And,
            "or" => TokenKind.Or,
            "not" => TokenKind.Not,
            _ => (TokenKind?)null,
        };
        if (keyword is { } kind)
        {
            position += word.Length;
            return [new(kind, word, start, word.Length)];
        }
        // A bare word: a value of the text field.
        return ValueTokens();
    }

    private FilterToken[] ValueTokens()
    {
        var start = position;
        if (mode == Mode.FirstValue && position < text.Length && text[position] == '!')
        {
            position++;
            mode = Mode.NextValue;
            return [new(TokenKind.Bang, "!", start, 1)];
        }
        if (position < text.Length && text[position] == '|' && mode == Mode.Expression)
        {
            // "|" after a value is handled below; here it starts a bare value and is an error for the parser.
            position++;
            return [new(TokenKind.Pipe, "|", start, 1)];
        }
        var value = position < text.Length && text[position] == '"' ? Quoted() : Word();
        if (position < text.Length && text[position] == '|')
        {
            mode = Mode.NextValue;
            var pipe = new FilterToken(TokenKind.Pipe, "|", position++, 1);
            return value is { } v ? [v, pipe] : [pipe];
        }
        mode = Mode.Expression;
        // No value where one belongs: the parser says so, pointing here.
        return value is { } found ? [found] : ExpressionTokens();
    }

    private FilterToken? Word()
    {
        var start = position;
        var word = WordAt(start, stopAtPipe: true);
        position += word.Length;
        return word.Length == 0 ? null : new(TokenKind.Value, word, start, word.Length);
    }

    private FilterToken Quoted()
    {
        var open = position++;
        var value = new StringBuilder();
        while (position < text.Length && text[position] != '"')
        {
            // \" and \\ are escapes; any other backslash is itself (flags such as \Seen need no doubling).
            if (text[position] == '\\' && position + 1 < text.Length && text[position + 1] is '"' or '\\') position++;
            value.Append(text[position++]);
        }
        if (position == text.Length) throw new FilterException(open, text.Length - open, "the quoted text is not closed: add a '\"'");
        position++;
        return new(TokenKind.Value, value.ToString(), open, position - open, Quoted: true);
    }

    private string WordAt(int start, bool stopAtPipe)
    {
        var end = start;
        while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] is not ('(' or ')' or '"') && !(stopAtPipe && text[end] == '|')) end++;
        return text[start..end];
    }

    private string? OperatorAt(int at)
    {
        if (at >= text.Length) return null;
        var two = at + 1 < text.Length ? text.Substring(at, 2) : "";
        if (two is ">=" or "<=" or "!=") return two;
        return text[at] is ':' or '=' or '>' or '<' ? text[at].ToString() : null;
    }
}
