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
        foreach (var (lineEnd, _, nonSynchronizing) in Headers(command))
        {
            if (nonSynchronizing) continue;
            segments.Add(command[start..lineEnd].ToArray());
            start = lineEnd;
        }
        if (start < command.Length || segments.Count == 0) segments.Add(command[start..].ToArray());
        return segments;
    }

    /// <summary>
    /// The command with every <c>{n+}</c> made <c>{n}</c>: for a server without LITERAL+ (RFC 7888), which would take
    /// a non-synchronizing literal's body for commands.
    /// </summary>
    public static byte[] Synchronizing(ReadOnlySpan<byte> command)
    {
        var result = new List<byte>(command.Length);
        var start = 0;
        foreach (var (lineEnd, headerEnd, nonSynchronizing) in Headers(command))
        {
            if (!nonSynchronizing) continue;
            // "...{n+}\r\n": keep up to the '+', drop it, keep the rest.
            result.AddRange(command[start..(headerEnd - 2)]);
            start = headerEnd - 1;
        }
        result.AddRange(command[start..]);
        return [.. result];
    }

    /// <summary>Each literal header at a line's end: where its line ends, where the header ends (after its '}'), its kind.</summary>
    private static List<(int LineEnd, int HeaderEnd, bool NonSynchronizing)> Headers(ReadOnlySpan<byte> command)
    {
        var headers = new List<(int, int, bool)>();
        var at = 0;
        while (at < command.Length)
        {
            var lf = command[at..].IndexOf((byte)'\n');
            if (lf < 0) break;
            var lineEnd = at + lf + 1;
            var line = command[at..lineEnd].TrimEnd("\r\n"u8);
            var headerEnd = at + line.Length;
            at = lineEnd;
            if (LiteralHeader.TryFind(line, out var length, out _, out var nonSynchronizing) != LiteralHeader.Result.Found) continue;
            headers.Add((lineEnd, headerEnd, nonSynchronizing));
            // The literal's body is data, whatever it holds.
            at = (int)Math.Min(command.Length, at + length);
        }
        return headers;
    }
}
