using System.Text.Json.Serialization;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Responses;

/// <summary>An untagged FETCH response (RFC 3501 §7.4.2): the message number and its items.</summary>
public sealed record FetchData(ulong SequenceNumber) : ResponseData
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ulong? Uid { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Flags { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? InternalDate { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ulong? Rfc822Size { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ulong? ModSeq { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Envelope? Envelope { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public BodyPart? BodyStructure { get; init; }

    /// <summary>BODY (the non-extensible form, no extension data).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public BodyPart? Body { get; init; }

    /// <summary>BODY[section]&lt;origin&gt;, BINARY[section], RFC822, RFC822.HEADER, RFC822.TEXT.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<BodySection>? Sections { get; init; }

    /// <summary>BINARY.SIZE[section] (RFC 3516).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyDictionary<string, ulong>? BinarySizes { get; init; }

    /// <summary>Items without a typed form (X-GM-LABELS, EMAILID, ...), by name.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyDictionary<string, ImapValue>? Other { get; init; }
}

/// <summary>Body data of a FETCH response: the item name as sent, its section and origin, and where the bytes
/// are (a literal in the server stream; <see cref="Text"/> when it was a quoted string).</summary>
public sealed record BodySection(string Item, string Section, ulong? Origin)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Literal? Literal { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Text { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Nil { get; init; }
    public long Size { get; init; }
}

/// <summary>ENVELOPE (RFC 3501 §7.4.2). Strings are as sent (RFC 2047 encoded words left alone).</summary>
public sealed record Envelope(string? Date, string? Subject,
    IReadOnlyList<Address>? From, IReadOnlyList<Address>? Sender, IReadOnlyList<Address>? ReplyTo,
    IReadOnlyList<Address>? To, IReadOnlyList<Address>? Cc, IReadOnlyList<Address>? Bcc,
    string? InReplyTo, string? MessageId);

/// <summary>An address (RFC 3501 §9 address). A group start has a null host and the group name as mailbox;
/// a group end has both null (RFC 3501 §7.4.2).</summary>
public sealed record Address(string? Name, string? Route, string? Mailbox, string? Host)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Email => Mailbox is not null && Host is not null ? $"{Mailbox}@{Host}" : null;
}

/// <summary>
/// One node of BODYSTRUCTURE (RFC 3501 §7.4.2): a multipart with its parts, or a single part. Extension data
/// (MD5, disposition, language, location, and anything after them) is kept when the server sent it.
/// </summary>
public sealed record BodyPart(string Type, string Subtype)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<BodyPart>? Parts { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyDictionary<string, string?>? Parameters { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Id { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Description { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Encoding { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ulong? Size { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ulong? Lines { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Envelope? Envelope { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public BodyPart? Message { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Md5 { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Disposition? Disposition { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Language { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Location { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<ImapValue>? Extensions { get; init; }
}

public sealed record Disposition(string Type, IReadOnlyDictionary<string, string?>? Parameters);
