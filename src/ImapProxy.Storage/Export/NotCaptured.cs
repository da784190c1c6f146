namespace ImapProxy.Storage.Export;

/// <summary>
/// Stand-in bytes for what the capture did not keep (the cut part of a literal over the capture cap), so formats
/// meant to be parsed again (rawlog, pcap) keep every length and offset right. Text with line ends, so tools that
/// show lines stay readable.
/// </summary>
internal static class NotCaptured
{
    private static readonly byte[] Pattern = "[not captured by ImapProxy]\r\n"u8.ToArray();

    /// <summary>The filler for <paramref name="length"/> bytes starting <paramref name="position"/> bytes into a gap.</summary>
    public static byte[] Filler(long position, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++) bytes[i] = Pattern[(position + i) % Pattern.Length];
        return bytes;
    }

    /// <summary>The bytes of a piece, filled in when the capture did not keep them; large gaps in chunks of bounded size.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Bytes(RawPiece piece, int chunk = 64 * 1024)
    {
        if (piece.Data is { } data)
        {
            yield return data;
            yield break;
        }
        for (long done = 0; done < piece.Length; done += chunk)
            yield return Filler(done, (int)Math.Min(chunk, piece.Length - done));
    }
}
