using System.Text.Json.Serialization;
using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Responses;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol;

/// <summary>A range of bytes in one direction's stream.</summary>
public readonly record struct ByteRange(long Offset, long Length);

/// <summary>
/// One unit of a session as the parser understood it. Every frame carries its direction and the byte range
/// it covers in that direction's stream (<see cref="Offset"/>, <see cref="Length"/>; literal bodies included).
/// Frames that the parser derives rather than reads (state and transport changes) have length 0.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(CommandFrame), "command")]
[JsonDerivedType(typeof(ClientLineFrame), "client-line")]
[JsonDerivedType(typeof(ResponseFrame), "response")]
[JsonDerivedType(typeof(MalformedFrame), "malformed")]
[JsonDerivedType(typeof(TransportChangeFrame), "transport")]
[JsonDerivedType(typeof(StateChangeFrame), "state")]
public abstract record ImapFrame
{
    [JsonPropertyOrder(-3)] public required Direction Direction { get; init; }
    [JsonPropertyOrder(-2)] public required long Offset { get; init; }
    [JsonPropertyOrder(-1)] public required long Length { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public IReadOnlyList<Literal>? Literals { get; init; }

    /// <summary>Byte ranges whose content was replaced by '*' in the raw stream handed to the sink.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public IReadOnlyList<ByteRange>? Redactions { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public IReadOnlyList<Diagnostic>? Diagnostics { get; init; }
}

/// <summary>A client command: tag, name (with <c>UID </c> prefix when present), typed arguments where known.</summary>
public sealed record CommandFrame : ImapFrame
{
    public required string Tag { get; init; }

    [JsonPropertyName("command")]
    public required string Name { get; init; }

    /// <summary>The name as the client spelled it, when not in upper case ("capability", "UID fetch").</summary>
    [JsonPropertyName("commandAsSent")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NameAsSent { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CommandArgs? Args { get; init; }

    /// <summary>The generic syntax tree of the arguments, for commands without a typed form.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ImapValue>? Arguments { get; init; }
}

public enum ClientLineKind
{
    /// <summary>A SASL response to a continuation request during AUTHENTICATE (RFC 3501 §6.2.2).</summary>
    AuthenticateResponse,

    /// <summary>"*": the client cancels AUTHENTICATE.</summary>
    AuthenticateCancel,

    /// <summary>DONE, ending IDLE (RFC 2177).</summary>
    IdleDone,
}

/// <summary>A client line that is not a command: AUTHENTICATE responses and IDLE's DONE.</summary>
public sealed record ClientLineFrame : ImapFrame
{
    public required ClientLineKind LineKind { get; init; }

    /// <summary>Tag of the AUTHENTICATE or IDLE command this line belongs to.</summary>
    public required string Tag { get; init; }

    /// <summary>The line, or "[redacted]" for a secret SASL response.</summary>
    public required string Text { get; init; }

    /// <summary>User name the parser could read from the SASL response (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? User { get; init; }
}

public enum ResponseKind
{
    Greeting,
    Untagged,
    Tagged,
    Continuation,

    /// <summary>A line that is neither of the above (some servers send text after a tagged completion).</summary>
    Unknown,
}

public enum ResponseStatus
{
    Ok,
    No,
    Bad,
    Preauth,
    Bye,
}

/// <summary>A server response. Status responses have <see cref="Status"/>, data responses <see cref="Data"/>.</summary>
public sealed record ResponseFrame : ImapFrame
{
    public required ResponseKind ResponseKind { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tag { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResponseStatus? Status { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResponseCode? Code { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Text { get; init; }

    /// <summary>The untagged response's keyword (FETCH, EXISTS, LIST, ...).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResponseData? Data { get; init; }

    /// <summary>The generic syntax tree of an untagged response without a typed form.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ImapValue>? Arguments { get; init; }

    /// <summary>For a tagged completion: the command it completes.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CommandReference? Completes { get; init; }
}

/// <summary>The command a tagged response completes: its name and where it started in the client stream.</summary>
public sealed record CommandReference(string Tag, string Name, long Offset);

/// <summary>Bytes the parser could not make sense of. It resynchronised at the next line.</summary>
public sealed record MalformedFrame : ImapFrame
{
    public required string Reason { get; init; }

    /// <summary>The start of the offending bytes, escaped for display.</summary>
    public required string Preview { get; init; }
}

public enum Transport
{
    /// <summary>STARTTLS accepted: from <see cref="ImapFrame.Offset"/> on, this direction is TLS (RFC 3501 §6.2.1).</summary>
    Tls,

    /// <summary>COMPRESS=DEFLATE accepted: from the offset on, this direction is raw DEFLATE (RFC 4978 §3).</summary>
    Deflate,
}

/// <summary>The transport of one direction changes at <see cref="ImapFrame.Offset"/>.</summary>
public sealed record TransportChangeFrame : ImapFrame
{
    public required Transport Transport { get; init; }
}

public enum ProtocolState
{
    NotAuthenticated,
    Authenticated,
    Selected,
    Logout,
}

/// <summary>The session's protocol state after the response at <see cref="ImapFrame.Offset"/> (server direction).</summary>
public sealed record StateChangeFrame : ImapFrame
{
    public required ProtocolState State { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? User { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mailbox { get; init; }

    public bool ReadOnly { get; init; }
    public bool Idle { get; init; }
    public bool Tls { get; init; }
    public bool Compressed { get; init; }
    public required IReadOnlyList<string> Capabilities { get; init; }
}
