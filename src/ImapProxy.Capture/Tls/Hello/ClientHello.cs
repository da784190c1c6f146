namespace ImapProxy.Capture.Tls.Hello;

/// <summary>
/// A ClientHello as the numbers on the wire (RFC 8446 §4.1.2), GREASE values (RFC 8701) included: JA4 and the
/// recorded offer each leave them out themselves.
/// </summary>
/// <param name="SupportedVersions">The supported_versions extension (RFC 8446 §4.2.1); null when the client sent none.</param>
internal sealed record ClientHello(
    ushort LegacyVersion,
    byte[] Random,
    IReadOnlyList<ushort> CipherSuites,
    IReadOnlyList<ushort> Extensions,
    string? ServerName,
    IReadOnlyList<byte[]> Alpn,
    IReadOnlyList<ushort>? SupportedVersions,
    IReadOnlyList<ushort> SignatureAlgorithms)
{
    // Extension types (IANA TLS ExtensionType Values).
    public const ushort ServerNameExtension = 0x0000;
    public const ushort AlpnExtension = 0x0010;
    public const ushort SignatureAlgorithmsExtension = 0x000d;
    public const ushort SupportedVersionsExtension = 0x002b;

    /// <summary>RFC 8701 §2: 0x0A0A, 0x1A1A, ... 0xFAFA, in cipher suites, extensions, versions, groups and signature schemes.</summary>
    public static bool IsGrease(ushort value) => (value & 0x0f0f) == 0x0a0a && value >> 8 == (value & 0xff);

    /// <summary>The versions the client offers, GREASE left out: supported_versions when present, else the legacy version alone (RFC 8446 §4.2.1).</summary>
    public IEnumerable<ushort> OfferedVersions => SupportedVersions?.Where(v => !IsGrease(v)) ?? [LegacyVersion];

    /// <summary>
    /// Reads the body of a client_hello handshake message (after its type and length). Null with the reason when it is
    /// malformed; the lengths inside are the sender's and are checked, never trusted.
    /// </summary>
    public static ClientHello? Read(ReadOnlySpan<byte> body, out string? error)
    {
        var reader = new WireReader(body);
        error = "the ClientHello is cut short in its fixed fields";
        if (!reader.TryUInt16(out var legacyVersion) || !reader.TryBytes(32, out var random)
            || !reader.TryVector8(out var sessionId) || !reader.TryVector16(out var suites) || !reader.TryVector8(out var compression))
            return null;
        if (sessionId.Length > 32) return Malformed(out error, $"its legacy_session_id is {sessionId.Length} bytes, more than 32");
        if (!WireReader.TryUInt16List(suites, out var cipherSuites)) return Malformed(out error, "its cipher_suites list has an odd length");
        if (compression.Length == 0) return Malformed(out error, "it offers no compression method, not even null");

        var hello = new ClientHello(legacyVersion, random.ToArray(), cipherSuites, [], null, [], null, []);
        // TLS 1.2 and earlier may end here without extensions (RFC 5246 §7.4.1.2).
        if (reader.Remaining == 0)
        {
            error = null;
            return hello;
        }
        if (!reader.TryVector16(out var extensionBlock) || reader.Remaining != 0)
            return Malformed(out error, "its extensions block does not end where the message ends");
        return ReadExtensions(hello, extensionBlock, out error);
    }

    private static ClientHello? ReadExtensions(ClientHello hello, ReadOnlySpan<byte> block, out string? error)
    {
        var reader = new WireReader(block);
        var types = new List<ushort>();
        while (reader.Remaining > 0)
        {
            if (!reader.TryUInt16(out var type) || !reader.TryVector16(out var data))
                return Malformed(out error, "an extension runs past the end of the extensions block");
            // RFC 8446 §4.2: there MUST NOT be more than one extension of the same type.
            if (types.Contains(type)) return Malformed(out error, $"extension 0x{type:x4} appears twice");
            types.Add(type);
            string? problem = null;
            hello = type switch
            {
                ServerNameExtension => WithServerName(hello, data, out problem),
                AlpnExtension => WithAlpn(hello, data, out problem),
                SupportedVersionsExtension => WithUInt16s(hello, data, oneByteLength: true, out problem, "supported_versions",
                    (h, v) => h with { SupportedVersions = v }),
                SignatureAlgorithmsExtension => WithUInt16s(hello, data, oneByteLength: false, out problem, "signature_algorithms",
                    (h, v) => h with { SignatureAlgorithms = v }),
                _ => hello,
            };
            if (problem is not null) return Malformed(out error, problem);
        }
        error = null;
        return hello with { Extensions = types };
    }

    /// <summary>RFC 6066 §3: a list of (name_type, name); the host_name (type 0) is the one a server reads.</summary>
    private static ClientHello WithServerName(ClientHello hello, ReadOnlySpan<byte> data, out string? problem)
    {
        problem = "its server_name extension is malformed";
        var outer = new WireReader(data);
        if (!outer.TryVector16(out var list) || outer.Remaining != 0) return hello;
        var reader = new WireReader(list);
        string? host = null;
        while (reader.Remaining > 0)
        {
            if (!reader.TryByte(out var nameType) || !reader.TryVector16(out var name)) return hello;
            // Escaped: a name from the wire is shown and stored, never interpreted.
            if (nameType == 0 && host is null) host = Protocol.ByteText.Escape(name, 255);
        }
        problem = null;
        return hello with { ServerName = host };
    }

    /// <summary>RFC 7301 §3.1: a list of non-empty protocol names, each with a one-byte length.</summary>
    private static ClientHello WithAlpn(ClientHello hello, ReadOnlySpan<byte> data, out string? problem)
    {
        problem = "its application_layer_protocol_negotiation extension is malformed";
        var outer = new WireReader(data);
        if (!outer.TryVector16(out var list) || outer.Remaining != 0) return hello;
        var reader = new WireReader(list);
        var names = new List<byte[]>();
        while (reader.Remaining > 0)
        {
            if (!reader.TryVector8(out var name)) return hello;
            names.Add(name.ToArray());
        }
        problem = null;
        return hello with { Alpn = names };
    }

    private static ClientHello WithUInt16s(ClientHello hello, ReadOnlySpan<byte> data, bool oneByteLength, out string? problem, string name,
        Func<ClientHello, List<ushort>, ClientHello> with)
    {
        problem = $"its {name} extension is malformed";
        var outer = new WireReader(data);
        ReadOnlySpan<byte> list;
        var read = oneByteLength ? outer.TryVector8(out list) : outer.TryVector16(out list);
        if (!read || outer.Remaining != 0 || !WireReader.TryUInt16List(list, out var values)) return hello;
        problem = null;
        return with(hello, values);
    }

    private static ClientHello? Malformed(out string? error, string why)
    {
        error = $"malformed ClientHello: {why}";
        return null;
    }

    /// <summary>The first protocol name as text, for people (the JA4 reads the bytes).</summary>
    public static string AlpnText(byte[] name) => Protocol.ByteText.Escape(name, 255);
}
