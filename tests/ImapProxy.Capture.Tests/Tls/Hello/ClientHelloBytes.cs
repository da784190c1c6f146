namespace ImapProxy.Capture.Tests.Tls.Hello;

/// <summary>
/// ClientHellos written by hand, byte by byte as RFC 8446 §4.1.2 lays them out, so the parser is checked against
/// bytes this file's reader can follow rather than against another TLS stack's output.
/// </summary>
internal static class ClientHelloBytes
{
    /// <summary>
    /// The ClientHello of FoxIO's JA4 example (technical_details/JA4.md, "Raw Output", JA4_ro): its cipher suites,
    /// extensions and signature algorithms in the original order, with GREASE values added where Chrome puts them.
    /// Its JA4 is <see cref="SpecJa4"/>.
    /// </summary>
    public const string SpecJa4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";

    public static readonly ushort[] SpecSuites =
        [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];

    public static readonly ushort[] SpecSignatureAlgorithms = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

    public static byte[] Spec(string serverName = "mail.example.com", ushort[]? signatureAlgorithms = null) => Hello(0x0303, SpecSuites,
    [
        (0x1a1a, []), // GREASE
        (0x001b, [0x02, 0x00, 0x02]),
        (0x0000, ServerName(serverName)),
        (0x0033, [0x00, 0x00]),
        (0x0010, Alpn("h2", "http/1.1")),
        (0x4469, [0x00, 0x03, 0x02, (byte)'h', (byte)'2']),
        (0x0017, []),
        (0x002d, [0x01, 0x01]),
        (0x000d, UInt16s(signatureAlgorithms ?? SpecSignatureAlgorithms)),
        (0x0005, [0x01, 0x00, 0x00, 0x00, 0x00]),
        (0x0023, []),
        (0x0012, []),
        (0x002b, [0x06, 0x7a, 0x7a, 0x03, 0x04, 0x03, 0x03]), // GREASE, TLS 1.3, TLS 1.2
        (0xff01, [0x00]),
        (0x000b, [0x01, 0x00]),
        (0x000a, UInt16s([0x001d, 0x0017])),
        (0x0015, new byte[7]),
        (0x2a2a, [0x00]), // GREASE
    ]);

    /// <summary>A whole ClientHello handshake message in one record.</summary>
    public static byte[] Hello(ushort legacyVersion, ushort[] suites, (ushort Type, byte[] Data)[]? extensions)
    {
        List<byte> body = [.. U16(legacyVersion), .. Enumerable.Range(1, 32).Select(i => (byte)i), 0x00, .. Vector16(suites.SelectMany(U16).ToArray()), 0x01, 0x00];
        if (extensions is not null) body.AddRange(Vector16(extensions.SelectMany(e => (byte[])[.. U16(e.Type), .. Vector16(e.Data)]).ToArray()));
        byte[] message = [0x01, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count, .. body];
        return Records(message, message.Length);
    }

    /// <summary><paramref name="message"/> cut into handshake records of <paramref name="fragment"/> bytes (RFC 8446 §5.1).</summary>
    public static byte[] Records(byte[] message, int fragment) =>
        message.Chunk(fragment).SelectMany(chunk => (byte[])[0x16, 0x03, 0x01, .. U16((ushort)chunk.Length), .. chunk]).ToArray();

    /// <summary>The handshake message inside a single-record hello.</summary>
    public static byte[] Message(byte[] oneRecord) => oneRecord[5..];

    public static byte[] ServerName(string host) =>
        Vector16([0x00, .. Vector16(System.Text.Encoding.ASCII.GetBytes(host))]);

    public static byte[] Alpn(params string[] names) =>
        Vector16(names.SelectMany(n => (byte[])[(byte)n.Length, .. System.Text.Encoding.ASCII.GetBytes(n)]).ToArray());

    public static byte[] UInt16s(ushort[] values) => Vector16(values.SelectMany(U16).ToArray());

    private static byte[] Vector16(byte[] data) => [.. U16((ushort)data.Length), .. data];

    private static byte[] U16(ushort v) => [(byte)(v >> 8), (byte)v];
}
