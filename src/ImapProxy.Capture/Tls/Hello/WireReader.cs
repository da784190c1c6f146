namespace ImapProxy.Capture.Tls.Hello;

/// <summary>
/// Reads TLS presentation-language fields (RFC 8446 §3) off untrusted bytes: every length is checked against what is
/// left before it is used, and a read that does not fit returns false instead of throwing.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> rest = data;

    public readonly int Remaining => rest.Length;

    public bool TryByte(out byte value)
    {
        value = 0;
        if (rest.Length < 1) return false;
        value = rest[0];
        rest = rest[1..];
        return true;
    }

    public bool TryUInt16(out ushort value)
    {
        value = 0;
        if (rest.Length < 2) return false;
        value = (ushort)(rest[0] << 8 | rest[1]);
        rest = rest[2..];
        return true;
    }

    public bool TryUInt24(out int value)
    {
        value = 0;
        if (rest.Length < 3) return false;
        value = rest[0] << 16 | rest[1] << 8 | rest[2];
        rest = rest[3..];
        return true;
    }

    public bool TryBytes(int count, out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (count < 0 || rest.Length < count) return false;
        bytes = rest[..count];
        rest = rest[count..];
        return true;
    }

    /// <summary>The next <paramref name="count"/> bytes, or all that is left when fewer.</summary>
    public ReadOnlySpan<byte> TakeUpTo(int count)
    {
        var taken = rest[..Math.Min(count, rest.Length)];
        rest = rest[taken.Length..];
        return taken;
    }

    /// <summary>An opaque vector with a one-byte length (<c>&lt;0..2^8-1&gt;</c>).</summary>
    public bool TryVector8(out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        return TryByte(out var length) && TryBytes(length, out bytes);
    }

    /// <summary>An opaque vector with a two-byte length (<c>&lt;0..2^16-1&gt;</c>).</summary>
    public bool TryVector16(out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        return TryUInt16(out var length) && TryBytes(length, out bytes);
    }

    /// <summary>A vector of two-byte values (cipher suites, versions, signature schemes): an odd length is malformed.</summary>
    public static bool TryUInt16List(ReadOnlySpan<byte> vector, out List<ushort> values)
    {
        values = new List<ushort>(vector.Length / 2);
        if (vector.Length % 2 != 0) return false;
        for (var i = 0; i < vector.Length; i += 2) values.Add((ushort)(vector[i] << 8 | vector[i + 1]));
        return true;
    }
}
