using System.Text;
using System.Text.Json.Serialization;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol.Syntax;

/// <summary>
/// One node of IMAP's generic syntax: atom, string (quoted or literal), NIL or parenthesised list.
/// Commands and responses without a typed form are kept as a list of these.
/// </summary>
[JsonConverter(typeof(ImapValueJsonConverter))]
public abstract record ImapValue
{
    /// <summary>Where the value starts and ends in its frame's line buffer (internal bookkeeping for redaction).</summary>
    internal int Start { get; init; }
    internal int End { get; init; }

    public virtual bool IsAtom(string text) => false;

    /// <summary>The value as an astring / nstring: atom text, string text, null for NIL and lists.</summary>
    public virtual string? AsText() => null;

    public bool TryGetNumber(out ulong number)
    {
        number = 0;
        return this is ImapAtom atom && TryParseNumber(atom.Text, out number);
    }

    /// <summary>Parses an IMAP number: ASCII digits only, no sign, no overflow (RFC 3501 §9 number / number64).</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out ulong number)
    {
        number = 0;
        if (text.IsEmpty || text.Length > 20) return false;
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return false;
            var digit = (ulong)(c - '0');
            if (number > (ulong.MaxValue - digit) / 10) return false;
            number = number * 10 + digit;
        }
        return true;
    }
}

public sealed record ImapAtom(string Text) : ImapValue
{
    public override bool IsAtom(string text) => string.Equals(Text, text, StringComparison.OrdinalIgnoreCase);
    public override string AsText() => Text;
}

/// <summary>A quoted string or a literal. Large literals keep only their <see cref="Literal"/> reference.</summary>
public sealed record ImapString : ImapValue
{
    private readonly byte[]? bytes;

    public ImapString(byte[]? bytes, Literal? literal)
    {
        this.bytes = bytes;
        Literal = literal;
    }

    public Literal? Literal { get; }

    /// <summary>The raw bytes when known (quoted strings always, literals when small enough to keep).</summary>
    public ReadOnlySpan<byte> Bytes => bytes;

    public bool HasBytes => bytes is not null;

    private string? text;

    /// <summary>The bytes as UTF-8 text, decoded once.</summary>
    public string? Text => bytes is null ? null : text ??= Encoding.UTF8.GetString(bytes);

    public override string? AsText() => Text;

    public bool Equals(ImapString? other) =>
        other is not null && Literal == other.Literal && Bytes.SequenceEqual(other.Bytes) && HasBytes == other.HasBytes;

    public override int GetHashCode() => HashCode.Combine(Literal, bytes?.Length);
}

public sealed record ImapNil : ImapValue
{
    public static ImapNil Instance { get; } = new();
}

public sealed record ImapList(IReadOnlyList<ImapValue> Items) : ImapValue
{
    public bool Equals(ImapList? other) => other is not null && Items.SequenceEqual(other.Items);

    public override int GetHashCode() => Items.Count;
}
