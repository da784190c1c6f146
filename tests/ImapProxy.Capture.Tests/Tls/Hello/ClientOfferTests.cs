using ImapProxy.Capture.Tls.Hello;

namespace ImapProxy.Capture.Tests.Tls.Hello;

public sealed class ClientOfferTests
{
    [Fact]
    public void Read_TheSpecHello_SaysWhatTheClientOffered_WithoutGrease()
    {
        var offer = ClientOffer.Read(ClientHelloBytes.Spec());

        Assert.Null(offer.Error);
        Assert.Equal("mail.example.com", offer.ServerName);
        Assert.Equal(["h2", "http/1.1"], offer.Alpn);
        Assert.Equal(["TLS 1.3", "TLS 1.2"], offer.Versions);
        Assert.Equal(15, offer.CipherSuites.Count);
        Assert.Equal("TLS_AES_128_GCM_SHA256", offer.CipherSuites[0]);
        Assert.Equal("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", offer.Random);
    }

    [Fact]
    public void Read_AHelloInRecordsCutAtEveryOffset_ReadsTheSameOffer()
    {
        var message = ClientHelloBytes.Message(ClientHelloBytes.Spec());

        for (var fragment = 1; fragment <= message.Length; fragment++)
        {
            var offer = ClientOffer.Read(ClientHelloBytes.Records(message, fragment));
            Assert.True(offer.Ja4 == ClientHelloBytes.SpecJa4, $"records of {fragment} bytes: {offer.Error}");
        }
    }

    [Fact]
    public void Read_BytesAfterTheHello_AreNotLookedAt()
    {
        byte[] wire = [.. ClientHelloBytes.Spec(), 0x14, 0x03, 0x03, 0x00, 0x01, 0x01];

        Assert.Equal(ClientHelloBytes.SpecJa4, ClientOffer.Read(wire).Ja4);
    }

    [Fact]
    public void Read_EveryPrefixOfAHello_IsReportedNotThrown()
    {
        var wire = ClientHelloBytes.Spec();

        for (var length = 0; length < wire.Length; length++)
        {
            var offer = ClientOffer.Read(wire.AsSpan(0, length));
            Assert.Null(offer.Ja4);
            Assert.NotNull(offer.Error);
        }
        Assert.Equal("the client stopped after 100 of the ClientHello's " + (wire.Length - 5) + " bytes", ClientOffer.Read(wire.AsSpan(0, 105)).Error);
    }

    [Fact]
    public void Read_AnyByteChanged_NeverThrows()
    {
        var wire = ClientHelloBytes.Spec();
        var random = new Random(15);
        for (var i = 0; i < 20_000; i++)
        {
            var mutated = wire.ToArray();
            for (var n = random.Next(1, 4); n > 0; n--) mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            var offer = ClientOffer.Read(mutated);
            Assert.True(offer.Ja4 is not null ^ offer.Error is not null);
        }
    }

    [Fact]
    public void Read_PlaintextImap_SaysTheClientSpokePlaintext()
    {
        var offer = ClientOffer.Read("a1 CAPABILITY\r\n"u8);

        Assert.Equal("the client spoke plaintext on a TLS connection (\"a1 CAPABILITY\"): point it at the plaintext listener, " +
                     "or set it to use SSL/TLS", offer.Error);
    }

    [Fact]
    public void Read_AHelloAnnouncingMoreThan16KiB_IsRefusedBeforeBuffering()
    {
        byte[] wire = [0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x01, 0x00, 0x00];

        Assert.Equal("the ClientHello announces 65540 bytes, more than the 16384 read", ClientOffer.Read(wire).Error);
    }

    [Fact]
    public void Read_AHelloInTinyRecordsPastTheCopysEnd_SaysTheCopyEnded()
    {
        // A 3,000-byte hello (a long SNI) in one-byte records is 18,000 bytes on the wire, more than the copy keeps.
        var message = ClientHelloBytes.Message(ClientHelloBytes.Hello(0x0303, [0x1301], [(0x0000, ClientHelloBytes.ServerName(new string('a', 3000)))]));
        var wire = ClientHelloBytes.Records(message, 1);

        Assert.Equal($"the ClientHello is not whole within the first {HandshakeRecords.MaxWire} bytes read",
            ClientOffer.Read(wire.AsSpan(0, HandshakeRecords.MaxWire)).Error);
    }

    [Fact]
    public void Read_AnAlertBetweenFragments_IsMalformed()
    {
        var message = ClientHelloBytes.Message(ClientHelloBytes.Spec());
        byte[] wire = [.. ClientHelloBytes.Records(message[..50], 50), 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];

        Assert.Equal("malformed TLS record (content type 21, length 2) before the ClientHello was whole", ClientOffer.Read(wire).Error);
    }

    [Fact]
    public void Read_AnExtensionTwice_IsMalformed()
    {
        var wire = ClientHelloBytes.Hello(0x0303, [0x1301], [(0x0017, []), (0x0017, [])]);

        Assert.Equal("malformed ClientHello: extension 0x0017 appears twice", ClientOffer.Read(wire).Error);
    }

    [Fact]
    public void Read_AnOldClient_OffersItsLegacyVersionOnly()
    {
        var offer = ClientOffer.Read(ClientHelloBytes.Hello(0x0301, [0x002f, 0x000a], extensions: null));

        Assert.Equal(["TLS 1.0"], offer.Versions);
        Assert.Equal(["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"], offer.CipherSuites);
        Assert.Null(offer.ServerName);
    }
}
