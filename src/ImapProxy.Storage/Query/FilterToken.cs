namespace ImapProxy.Storage.Query;

internal enum TokenKind
{
    Open,
    Close,
    And,
    Or,
    Not,

    /// <summary>A field name directly followed by its operator (<c>cmd</c> in <c>cmd:FETCH</c>).</summary>
    Field,

    /// <summary>":", "=", "&gt;", "&gt;=", "&lt;" or "&lt;=" after a field.</summary>
    Operator,

    /// <summary>"!" before a field's value: the field is present and has none of the values.</summary>
    Bang,

    /// <summary>"|" between alternative values.</summary>
    Pipe,

    /// <summary>A word or a quoted string (its text is unescaped), after a field or on its own (text search).</summary>
    Value,

    End,
}

/// <summary>One token of a filter, with where it is in the text (0-based characters) for error messages.</summary>
internal readonly record struct FilterToken(TokenKind Kind, string Text, int Position, int Length, bool Quoted = false)
{
    public int End => Position + Length;
}
