using ImapProxy.Recording;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tests.Recording;

public sealed class EventTextTests
{
    [Fact]
    public void Describe_AClientLegHandshake_SaysWhatTheClientOffered()
    {
        var handshake = new TlsHandshake
        {
            Source = EventSource.Proxy, Leg = TlsLeg.Client, Succeeded = true, Protocol = "Tls13", Cipher = "TLS_AES_256_GCM_SHA384",
            ServerName = "imap.example.com",
            ClientHello = new TlsClientOffer
            {
                ServerName = "imap.example.com", Alpn = ["imap"], Versions = ["TLS 1.3", "TLS 1.2"],
                CipherSuites = ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"], Ja4 = "t13d0210ip_1c7d8b2e39a5_6d807ffa2a79",
            },
        };

        Assert.Equal("TLS on the client leg: TLS 1.3 TLS_AES_256_GCM_SHA384, SNI imap.example.com — the client offered TLS 1.3, TLS 1.2 " +
                     "with 2 cipher suites, SNI imap.example.com, ALPN imap; JA4 t13d0210ip_1c7d8b2e39a5_6d807ffa2a79", EventText.Describe(handshake));
    }

    [Fact]
    public void Describe_AFailedHandshakeWithoutAHello_SaysWhyNoneWasRead()
    {
        var handshake = new TlsHandshake
        {
            Source = EventSource.Proxy, Leg = TlsLeg.Client, Succeeded = false, Error = "the client sent nothing (EOF)",
            ClientHello = new TlsClientOffer { Error = "the client sent nothing" },
        };

        Assert.Equal("TLS on the client leg failed: the client sent nothing (EOF) — no ClientHello read: the client sent nothing",
            EventText.Describe(handshake));
    }

    [Fact]
    public void ATlsHandshakeWithItsOffer_ReadsBackAsWritten()
    {
        var handshake = new TlsHandshake
        {
            Source = EventSource.Proxy, Leg = TlsLeg.Client, Succeeded = false, Error = "x",
            ClientHello = new TlsClientOffer { Versions = ["TLS 1.0"], CipherSuites = ["TLS_RSA_WITH_AES_128_CBC_SHA"], Ja4 = "t10i010000_a", Random = "00ff" },
        };

        var read = Assert.IsType<TlsHandshake>(EventJson.Read(EventJson.Write(handshake)));

        Assert.Equal(["TLS 1.0"], read.ClientHello!.Versions);
        Assert.Equal(handshake.ClientHello with { Versions = read.ClientHello.Versions, CipherSuites = read.ClientHello.CipherSuites, Alpn = read.ClientHello.Alpn },
            read.ClientHello);
        Assert.Equal(["TLS_RSA_WITH_AES_128_CBC_SHA"], read.ClientHello.CipherSuites);
    }
}
