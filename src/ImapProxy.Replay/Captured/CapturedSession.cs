using ImapProxy.Protocol;

namespace ImapProxy.Replay.Captured;

/// <summary>
/// A stored session cut into what replays need: the server's greeting, each client command with the server bytes
/// that answered it, and what the server sent after the last answer. Byte ranges are in the stored plaintext
/// streams, so literals come back byte-exact.
/// </summary>
public sealed record CapturedSession(
    long Id,
    byte[] Greeting,
    IReadOnlyList<CapturedExchange> Exchanges,
    byte[] Trailer,
    bool ServerClosed);

/// <summary>
/// One command and its answer. <see cref="ServerParts"/> is the server's bytes from the end of the previous answer to
/// this command's tagged completion, cut after each continuation request: every part but the last ends with a
/// <c>+</c> line (a literal's go-ahead, a SASL challenge, IDLE's "idling"); the last ends with the completion.
/// Untagged responses count for the command that completed next (RFC 3501 §7: they may come at any time).
/// </summary>
public sealed record CapturedExchange
{
    public required int Index { get; init; }
    public required string Tag { get; init; }
    public required string Name { get; init; }

    /// <summary>The command as parsed and stored.</summary>
    public required CommandFrame Frame { get; init; }

    /// <summary>The command's bytes, literals included; secrets as stored (redacted).</summary>
    public required byte[] Command { get; init; }

    /// <summary>Client lines that belong to the command: SASL responses, IDLE's DONE.</summary>
    public required IReadOnlyList<byte[]> ClientLines { get; init; }

    public required IReadOnlyList<byte[]> ServerParts { get; init; }

    /// <summary>Where the tagged completion starts in the last server part (its tag is rewritten when served).</summary>
    public required int CompletionStart { get; init; }

    /// <summary>The server's parsed responses (continuations, untagged, the completion), as stored, for the diff.</summary>
    public required IReadOnlyList<ResponseFrame> Responses { get; init; }

    public ResponseStatus? Status { get; init; }
    public TimeSpan? Latency { get; init; }

    /// <summary>For IDLE: how long the client idled before DONE.</summary>
    public TimeSpan? IdleFor { get; init; }

    /// <summary>The key that matches a client's command to this one (<see cref="CommandKey"/>).</summary>
    public required string Key { get; init; }
}
