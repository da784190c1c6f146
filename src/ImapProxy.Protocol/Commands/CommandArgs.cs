using System.Text.Json.Serialization;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Commands;

/// <summary>Typed arguments of a command. Commands without arguments (NOOP, IDLE, ...) have none.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(LoginArgs), "login")]
[JsonDerivedType(typeof(AuthenticateArgs), "authenticate")]
[JsonDerivedType(typeof(SelectArgs), "select")]
[JsonDerivedType(typeof(MailboxArgs), "mailbox")]
[JsonDerivedType(typeof(RenameArgs), "rename")]
[JsonDerivedType(typeof(ListArgs), "list")]
[JsonDerivedType(typeof(StatusArgs), "status")]
[JsonDerivedType(typeof(FetchArgs), "fetch")]
[JsonDerivedType(typeof(StoreArgs), "store")]
[JsonDerivedType(typeof(SearchArgs), "search")]
[JsonDerivedType(typeof(AppendArgs), "append")]
[JsonDerivedType(typeof(CopyArgs), "copy")]
[JsonDerivedType(typeof(ExpungeArgs), "expunge")]
[JsonDerivedType(typeof(IdArgs), "id")]
[JsonDerivedType(typeof(EnableArgs), "enable")]
[JsonDerivedType(typeof(CompressArgs), "compress")]
public abstract record CommandArgs;

/// <summary>RFC 3501 §6.2.3. The password is never kept.</summary>
public sealed record LoginArgs(string User) : CommandArgs
{
    public string Password => Redaction.Marker;
}

/// <summary>RFC 3501 §6.2.2, with the SASL-IR initial response (RFC 4959) redacted.</summary>
public sealed record AuthenticateArgs(string Mechanism, bool HasInitialResponse, string? User) : CommandArgs;

/// <summary>SELECT / EXAMINE (RFC 3501 §6.3.1-2) with CONDSTORE/QRESYNC parameters kept as tokens.</summary>
public sealed record SelectArgs(string Mailbox, bool ReadOnly, IReadOnlyList<ImapValue>? Parameters) : CommandArgs;

/// <summary>Commands whose only argument is a mailbox: CREATE, DELETE, SUBSCRIBE, UNSUBSCRIBE.</summary>
public sealed record MailboxArgs(string Mailbox) : CommandArgs;

public sealed record RenameArgs(string From, string To) : CommandArgs;

/// <summary>LIST / LSUB (RFC 3501 §6.3.8-9), LIST-EXTENDED selection and return options (RFC 5258) as text.</summary>
public sealed record ListArgs(string Reference, IReadOnlyList<string> Patterns,
    IReadOnlyList<string>? SelectOptions, IReadOnlyList<string>? ReturnOptions) : CommandArgs;

public sealed record StatusArgs(string Mailbox, IReadOnlyList<string> Items) : CommandArgs;

/// <summary>One FETCH attribute (RFC 3501 §6.4.5): <c>BODY.PEEK[HEADER.FIELDS (FROM)]&lt;0.100&gt;</c> has
/// name BODY.PEEK, section HEADER.FIELDS (FROM), partial 0.100.</summary>
public sealed record FetchAttribute(string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Section,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Partial);

public sealed record FetchArgs(string SequenceSet, bool Uid, IReadOnlyList<FetchAttribute> Attributes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ImapValue>? Modifiers) : CommandArgs;

/// <summary>STORE (RFC 3501 §6.4.6): action is FLAGS, +FLAGS or -FLAGS, with .SILENT.</summary>
public sealed record StoreArgs(string SequenceSet, bool Uid, string Action, bool Silent, IReadOnlyList<string> Flags,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ImapValue>? Modifiers) : CommandArgs;

public sealed record SearchArgs(bool Uid, string? Charset,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? ReturnOptions,
    SearchKey Criteria) : CommandArgs;

/// <summary>One message of APPEND / MULTIAPPEND (RFC 3502); CATENATE parts (RFC 4469) kept as tokens.</summary>
public sealed record AppendMessage(IReadOnlyList<string>? Flags, string? InternalDate, Literal? Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ImapValue>? Catenate);

public sealed record AppendArgs(string Mailbox, IReadOnlyList<AppendMessage> Messages) : CommandArgs;

/// <summary>COPY / MOVE (RFC 6851), with or without UID.</summary>
public sealed record CopyArgs(string SequenceSet, bool Uid, bool Move, string Mailbox) : CommandArgs;

/// <summary>EXPUNGE, or UID EXPUNGE with its UID set (RFC 4315 §2.1).</summary>
public sealed record ExpungeArgs(bool Uid, string? SequenceSet) : CommandArgs;

/// <summary>ID (RFC 2971): field/value pairs, or null for <c>ID NIL</c>.</summary>
public sealed record IdArgs(IReadOnlyDictionary<string, string?>? Fields) : CommandArgs;

public sealed record EnableArgs(IReadOnlyList<string> Capabilities) : CommandArgs;

public sealed record CompressArgs(string Mechanism) : CommandArgs;
