namespace ImapProxy.Protocol.Secrets;

/// <summary>
/// Client bytes that are not parsed in their place (sent behind STARTTLS or COMPRESS before the switch, RFC 3501
/// §6.2.1: a pipelined LOGIN there is the classic injection; held bytes let go unread) still must not keep their
/// secrets: they are read as a client-only session of their own, and come back with what that parser would redact
/// overwritten by '*'. The framer calls it for every unparsed client byte it hands the sink.
/// </summary>
internal static class ClientBytesRedaction
{
    // The inner parser may itself report bytes unparsed (a second STARTTLS): those are masked whole, not read again.
    [ThreadStatic] private static bool reading;

    public static byte[] Redact(ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        if (reading)
        {
            Redaction.Mask(copy);
            return copy;
        }
        reading = true;
        try
        {
            var sink = new Copy(copy);
            var parser = new ImapSessionParser(sink, ImapParserOptions.Default with { Directions = FedDirections.ClientOnly, StartsAuthenticated = false });
            var consumed = parser.Feed(Direction.Client, bytes);
            parser.Complete(Direction.Client);
            // Beyond a second STARTTLS or COMPRESS the inner parser stops reading: nothing there is shown.
            Redaction.Mask(copy.AsSpan(consumed));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Redaction.Mask(copy); // whatever went wrong, nothing of it is shown but the line breaks
        }
        finally
        {
            reading = false;
        }
        return copy;
    }

    /// <summary>Takes what the inner parser hands its sink (secrets starred) in place of the original bytes.</summary>
    private sealed class Copy(byte[] bytes) : IImapSink
    {
        public void OnFrame(ImapFrame frame)
        {
        }

        public void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> redacted, Framing.Literal? literal) =>
            redacted.CopyTo(bytes.AsSpan((int)offset));
    }
}
