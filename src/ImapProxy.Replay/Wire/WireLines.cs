namespace ImapProxy.Replay.Wire;

/// <summary>Reads one CRLF line, byte by byte, for the few lines read before the pumps start (greeting, STARTTLS).</summary>
internal static class WireLines
{
    private const int MaxLine = 64 * 1024;

    /// <returns>The line with its terminator; null when the stream ended first.</returns>
    public static async Task<byte[]?> ReadLineAsync(Stream stream, CancellationToken ct)
    {
        var line = new MemoryStream();
        var one = new byte[1];
        while (line.Length < MaxLine)
        {
            if (await stream.ReadAsync(one, ct) == 0) return null;
            line.WriteByte(one[0]);
            if (one[0] == (byte)'\n') return line.ToArray();
        }
        throw new IOException($"the server sent a line longer than {MaxLine / 1024} KiB where a short one was expected");
    }
}
