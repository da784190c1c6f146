using System.Net.Security;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tls.Hello;

/// <summary>The recorded <see cref="TlsClientOffer"/> of the first bytes a client sent on a TLS leg: never throws, whatever they are.</summary>
internal static class ClientOffer
{
    public static TlsClientOffer Read(ReadOnlySpan<byte> wire)
    {
        var body = HandshakeRecords.ClientHelloBody(wire, out var error);
        var hello = body is null ? null : ClientHello.Read(body, out error);
        if (hello is null) return new TlsClientOffer { Error = error };
        return new TlsClientOffer
        {
            ServerName = hello.ServerName,
            Alpn = hello.Alpn.Select(ClientHello.AlpnText).ToList(),
            Versions = hello.OfferedVersions.Select(VersionName).ToList(),
            CipherSuites = hello.CipherSuites.Where(c => !ClientHello.IsGrease(c)).Select(SuiteName).ToList(),
            Ja4 = Ja4.Of(hello),
            Random = Convert.ToHexStringLower(hello.Random),
        };
    }

    private static string VersionName(ushort version) => version switch
    {
        0x0304 => "TLS 1.3",
        0x0303 => "TLS 1.2",
        0x0302 => "TLS 1.1",
        0x0301 => "TLS 1.0",
        0x0300 => "SSL 3.0",
        _ => $"0x{version:x4}",
    };

    /// <summary>The IANA name .NET knows the suite by, else its number.</summary>
    private static string SuiteName(ushort suite) =>
        Enum.IsDefined((TlsCipherSuite)suite) ? ((TlsCipherSuite)suite).ToString() : $"0x{suite:x4}";
}
