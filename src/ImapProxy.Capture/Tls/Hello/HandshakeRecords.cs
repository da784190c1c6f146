using ImapProxy.Protocol;

namespace ImapProxy.Capture.Tls.Hello;

/// <summary>
/// Takes the first handshake message out of the TLS records a client sent first. A ClientHello may span several
/// records (RFC 8446 §5.1: handshake messages may be fragmented across records), so fragments are joined, up to
/// <see cref="MaxMessage"/>: what a client may send is bounded here, not by its own length fields.
/// </summary>
internal static class HandshakeRecords
{
    /// <summary>The longest ClientHello read (type and length included); today's, post-quantum key shares and all, are under 2 KiB.</summary>
    public const int MaxMessage = 16 * 1024;

    /// <summary>The bytes to keep from the wire: the longest message in records of at least 256 bytes each, with their headers.</summary>
    public const int MaxWire = MaxMessage + MaxMessage / 256 * HeaderLength;

    private const int HeaderLength = 5;
    private const byte Handshake = 22;
    private const byte ClientHelloType = 1;

    // RFC 8446 §5.1: a record's fragment MUST NOT exceed 2^14 bytes.
    private const int MaxFragment = 1 << 14;

    /// <summary>The first handshake message's body (after its type and length) when it is a whole ClientHello; null with the reason otherwise.</summary>
    public static byte[]? ClientHelloBody(ReadOnlySpan<byte> wire, out string? error)
    {
        if (wire.IsEmpty)
        {
            error = "the client sent nothing";
            return null;
        }
        if (wire[0] != Handshake)
        {
            error = NotAHandshake(wire);
            return null;
        }
        var message = new List<byte>();
        var needed = -1;
        var reader = new WireReader(wire);
        while (needed < 0 || message.Count < needed)
        {
            if (reader.Remaining == 0)
            {
                // The copy of the wire ends at MaxWire: a hello in records too small to fit is cut by us, not by the client.
                error = wire.Length >= MaxWire ? $"the ClientHello is not whole within the first {MaxWire} bytes read" : needed < 0
                    ? $"the client stopped after {message.Count} bytes of a handshake message"
                    : $"the client stopped after {message.Count} of the ClientHello's {needed} bytes";
                return null;
            }
            if (!reader.TryByte(out var type) || !reader.TryUInt16(out _) || !reader.TryUInt16(out var length))
            {
                error = "the client stopped inside a TLS record header";
                return null;
            }
            // RFC 8446 §5.1: handshake messages MUST NOT be interleaved with other record types, nor sent as empty fragments.
            if (type != Handshake || length == 0 || length > MaxFragment)
            {
                error = $"malformed TLS record (content type {type}, length {length}) before the ClientHello was whole";
                return null;
            }
            // A record cut short by the end of what was read counts for what it holds: the loop then says where it stopped.
            message.AddRange(reader.TakeUpTo(length));
            if (needed < 0 && message.Count >= 4)
            {
                if (message[0] != ClientHelloType)
                {
                    error = $"the client's first handshake message is of type {message[0]}, not a ClientHello (RFC 8446 §4)";
                    return null;
                }
                needed = 4 + (message[1] << 16 | message[2] << 8 | message[3]);
                if (needed > MaxMessage)
                {
                    error = $"the ClientHello announces {needed} bytes, more than the {MaxMessage} read";
                    return null;
                }
            }
        }
        error = null;
        return message.GetRange(4, needed - 4).ToArray();
    }

    /// <summary>Words for a first byte that does not start a handshake record: plaintext, SSL 2.0, or another record.</summary>
    private static string NotAHandshake(ReadOnlySpan<byte> wire)
    {
        if (wire[0] >= 0x80) return "the client sent an SSL 2.0-style hello (RFC 6101 appendix E), which no current TLS stack accepts";
        if (wire[0] is >= 0x20 and < 0x7f)
        {
            var lf = wire.IndexOf((byte)'\n');
            var line = lf < 0 ? wire : wire[..lf];
            return $"the client spoke plaintext on a TLS connection (\"{ByteText.Escape(line.TrimEnd("\r"u8), 60)}\"): " +
                   "point it at the plaintext listener, or set it to use SSL/TLS";
        }
        return $"the client's first bytes are not a TLS handshake record (content type {wire[0]})";
    }
}
