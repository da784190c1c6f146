using System.Text.Json.Serialization;

namespace ImapProxy.Protocol.Framing;

/// <summary>
/// A literal seen on the wire: where its body starts in the direction's stream and how long it is.
/// The body itself goes to the sink in chunks; only small literals (see <see cref="ImapParserOptions.MaxInlineLiteral"/>)
/// are also kept with the frame so strings such as mailbox names and ENVELOPE fields can be parsed.
/// </summary>
/// <param name="Binary">literal8 <c>~{n}</c> of the BINARY extension (RFC 3516 §4.1), may contain NUL.</param>
/// <param name="NonSynchronizing"><c>{n+}</c> of LITERAL+ / LITERAL- (RFC 7888): sent without waiting for a continuation.</param>
public sealed record Literal(long Offset, long Length,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Binary,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool NonSynchronizing)
{
    /// <summary>The body when it was small enough to keep; null for large literals (see the raw bytes).</summary>
    [JsonIgnore]
    public byte[]? Content { get; init; }

    /// <summary>True when the body was redacted (e.g. a LOGIN password sent as a literal).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Redacted { get; init; }
}
