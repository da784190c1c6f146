using System.Text.Json.Serialization;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Commands;

/// <summary>SEARCH criteria as a tree (RFC 3501 §6.4.4): terms, NOT, OR, and parenthesised AND groups.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(SearchTerm), "term")]
[JsonDerivedType(typeof(SearchAnd), "and")]
[JsonDerivedType(typeof(SearchOr), "or")]
[JsonDerivedType(typeof(SearchNot), "not")]
public abstract record SearchKey;

/// <summary>A search key with its arguments, e.g. <c>SINCE 1-Feb-1994</c>, <c>HEADER Subject hi</c>, or a sequence set.</summary>
public sealed record SearchTerm(string Key,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] IReadOnlyList<ImapValue>? Args) : SearchKey;

public sealed record SearchAnd(IReadOnlyList<SearchKey> Keys) : SearchKey;

public sealed record SearchOr(SearchKey Left, SearchKey Right) : SearchKey;

public sealed record SearchNot(SearchKey Key) : SearchKey;
