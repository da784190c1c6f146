namespace ImapProxy.Protocol.Secrets;

/// <summary>
/// Client bytes that will not be parsed in their place (sent behind STARTTLS before the handshake, RFC 3501
/// §6.2.1: a pipelined LOGIN there is the classic injection) still must not keep their secrets: they are read as a
/// client-only session of their own, and come back with what that parser would redact overwritten by '*'.
/// </summary>
public static class ClientBytesRedaction
{
    public static byte[] Redact(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Parse(bytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever went wrong, nothing of it is shown: the line breaks only.
            var starred = bytes.ToArray();
            for (var i = 0; i < starred.Length; i++) starred[i] = starred[i] is (byte)'\r' or (byte)'\n' ? starred[i] : (byte)'*';
            return starred;
        }
    }

    private static byte[] Parse(ReadOnlySpan<byte> bytes)
    {
        var copy = new Copy(bytes.Length);
        var parser = new ImapSessionParser(copy, ImapParserOptions.Default with { Directions = FedDirections.ClientOnly, StartsAuthenticated = false });
        var consumed = parser.Feed(Direction.Client, bytes);
        parser.Complete(Direction.Client);
        // Beyond a second STARTTLS or COMPRESS the parser stops reading: nothing there is shown.
        for (var i = consumed; i < bytes.Length; i++) copy.Bytes[i] = bytes[i] is (byte)'\r' or (byte)'\n' ? bytes[i] : (byte)'*';
        return copy.Bytes;
    }

    private sealed class Copy(int length) : IImapSink
    {
        public byte[] Bytes { get; } = new byte[length];

        public void OnFrame(ImapFrame frame)
        {
        }

        public void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Framing.Literal? literal) =>
            bytes.CopyTo(Bytes.AsSpan((int)offset));
    }
}
