using ImapProxy.Capture.Tls.Hello;

namespace ImapProxy.Capture.Tests.Tls.Hello;

public sealed class Ja4Tests
{
    [Fact]
    public void Of_TheSpecificationsExample_IsItsPublishedFingerprint()
    {
        var offer = ClientOffer.Read(ClientHelloBytes.Spec());

        Assert.Equal(ClientHelloBytes.SpecJa4, offer.Ja4);
    }

    [Fact]
    public void Of_NoSignatureAlgorithms_HashesTheExtensionsWithoutAnUnderscore()
    {
        // JA4.md: "0005,000a,...,4469,ff01 = 6d807ffa2a79" when the hello has no signature algorithms.
        var offer = ClientOffer.Read(ClientHelloBytes.Spec(signatureAlgorithms: []));

        Assert.Equal("t13d1516h2_8daaf6152771_6d807ffa2a79", offer.Ja4);
    }

    [Fact]
    public void Of_AnAddressWithoutAlpnOrExtensions_SaysIAndZeroes()
    {
        // A TLS 1.0 hello of 2002: no extensions at all, two suites. Version 10, no SNI (i), 02 suites, 00 extensions,
        // no ALPN (00); the suites sorted "000a,002f" hash to b2ad0625f3cb (printf 000a,002f | sha256sum); no extensions: zeroes.
        var offer = ClientOffer.Read(ClientHelloBytes.Hello(0x0301, [0x002f, 0x000a], extensions: null));

        Assert.Equal("t10i020000_b2ad0625f3cb_000000000000", offer.Ja4);
    }

    [Theory]
    [InlineData("imap", "ip")]
    [InlineData("h", "hh")]
    [InlineData("h2\u00ab", "6b")] // last byte not alphanumeric: the hex form "6832ab"'s first and last characters
    public void Of_Alpn_FirstAndLastCharacters(string first, string expected)
    {
        var hello = ClientHelloBytes.Hello(0x0303, [0x1301], [(0x0010, AlpnLatin1(first))]);

        Assert.Equal(expected, ClientOffer.Read(hello).Ja4![8..10]);
    }

    private static byte[] AlpnLatin1(string name)
    {
        var bytes = System.Text.Encoding.Latin1.GetBytes(name);
        return [0x00, (byte)(bytes.Length + 1), (byte)bytes.Length, .. bytes];
    }
}
