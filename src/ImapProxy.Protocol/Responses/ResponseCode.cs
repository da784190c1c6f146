using System.Text.Json.Serialization;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Responses;

/// <summary>
/// A response code in brackets (RFC 3501 §7.1, RFC 4315 §3, RFC 7162 §3.1). The well-known ones get typed
/// fields; every code keeps its name and, when it has arguments, their syntax tree.
/// </summary>
public sealed record ResponseCode(string Name)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ImapValue>? Arguments { get; init; }

    /// <summary>UIDVALIDITY, UIDNEXT, UNSEEN, HIGHESTMODSEQ, APPENDLIMIT...: the number.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? Number { get; init; }

    /// <summary>CAPABILITY, PERMANENTFLAGS, BADCHARSET: the listed words.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Items { get; init; }

    /// <summary>APPENDUID / COPYUID (RFC 4315 §3).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? UidValidity { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SourceUids { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DestinationUids { get; init; }
}
