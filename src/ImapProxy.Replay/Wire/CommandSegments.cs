using ImapProxy.Protocol.Framing;

namespace ImapProxy.Replay.Wire;

/// <summary>
/// Cuts a client command's bytes where the client must wait: after each line that ends with a synchronizing literal
/// header <c>{n}</c> the server has to say <c>+</c> before the literal may follow (RFC 3501 §4.3, §7.5).
/// Non-synchronizing <c>{n+}</c> and literal8 headers without the wait go straight on (RFC 7888).
/// </summary>
public static class CommandSegments
{
    /// <returns>The segments in order; every one but the last ends with a line that waits for a continuation.</returns>
    public static List<byte[]> Split(ReadOnlySpan<byte> command)
    {
        var segments = new List<byte[]>();
        var start = 0;
        var at = 0;
        while (at < command.Length)
        {
            var lf = command[at..].IndexOf((byte)'\n');
            if (lf < 0) break;
            var lineEnd = at + lf + 1;
            var line = command[at..lineEnd].TrimEnd("\r\n"u8);
            at = lineEnd;
            if (LiteralHeader.TryFind(line, out var length, out _, out var nonSynchronizing) != LiteralHeader.Result.Found) continue;
            if (!nonSynchronizing)
            {
                segments.Add(command[start..at].ToArray());
                start = at;
            }
            at = (int)Math.Min(command.Length, at + length);
        }
        if (start < command.Length || segments.Count == 0) segments.Add(command[start..].ToArray());
        return segments;
    }
}
