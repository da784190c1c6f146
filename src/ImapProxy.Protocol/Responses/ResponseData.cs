using System.Text.Json.Serialization;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Responses;

/// <summary>Typed content of an untagged data response.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(CapabilityData), "capability")]
[JsonDerivedType(typeof(FlagsData), "flags")]
[JsonDerivedType(typeof(NumberData), "number")]
[JsonDerivedType(typeof(VanishedData), "vanished")]
[JsonDerivedType(typeof(ListData), "list")]
[JsonDerivedType(typeof(StatusData), "status")]
[JsonDerivedType(typeof(SearchData), "search")]
[JsonDerivedType(typeof(ESearchData), "esearch")]
[JsonDerivedType(typeof(IdData), "id")]
[JsonDerivedType(typeof(NamespaceData), "namespace")]
[JsonDerivedType(typeof(FetchData), "fetch")]
public abstract record ResponseData;

/// <summary>CAPABILITY and ENABLED (RFC 5161 §3.2).</summary>
public sealed record CapabilityData(IReadOnlyList<string> Capabilities) : ResponseData;

public sealed record FlagsData(IReadOnlyList<string> Flags) : ResponseData;

/// <summary>EXISTS, RECENT, EXPUNGE: a message count or sequence number (RFC 3501 §7.3, §7.4.1).</summary>
public sealed record NumberData(ulong Number) : ResponseData;

/// <summary>VANISHED (RFC 7162 §3.2.10).</summary>
public sealed record VanishedData(bool Earlier, string Uids) : ResponseData;

/// <summary>LIST / LSUB (RFC 3501 §7.2.2-3): the mailbox name decoded from modified UTF-7 (RFC 3501 §5.1.3),
/// and the name as sent when it differs.</summary>
public sealed record ListData(IReadOnlyList<string> Flags, string? Delimiter, string Mailbox,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RawMailbox,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ImapValue>? Extended) : ResponseData;

public sealed record StatusData(string Mailbox, IReadOnlyDictionary<string, ulong> Items) : ResponseData
{
    /// <summary>Items whose value is not a number (MAILBOXID).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, ImapValue>? Other { get; init; }
}

/// <summary>SEARCH (RFC 3501 §7.2.5) with the CONDSTORE MODSEQ (RFC 7162 §3.1.5).</summary>
public sealed record SearchData(IReadOnlyList<ulong> Numbers,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? ModSeq) : ResponseData;

/// <summary>ESEARCH (RFC 4731): return data such as MIN, MAX, COUNT, ALL.</summary>
public sealed record ESearchData(string? Tag, bool Uid, IReadOnlyDictionary<string, string> Items) : ResponseData;

public sealed record IdData(IReadOnlyDictionary<string, string?>? Fields) : ResponseData;

public sealed record NamespaceDescriptor(string Prefix, string? Delimiter);

/// <summary>NAMESPACE (RFC 2342 §5): personal, other users' and shared namespaces; null when NIL.</summary>
public sealed record NamespaceData(IReadOnlyList<NamespaceDescriptor>? Personal,
    IReadOnlyList<NamespaceDescriptor>? OtherUsers, IReadOnlyList<NamespaceDescriptor>? Shared) : ResponseData;
