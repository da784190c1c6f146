using ImapProxy.Capture.Relay;

namespace ImapProxy.Capture.Tests.Relay;

public sealed class UpstreamTlsMismatchTests
{
    [Theory]
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x2a }, true)] // a handshake record
    [InlineData(new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02 }, true)] // an alert
    [InlineData(new byte[] { 0x16 }, true)] // a first chunk of one byte
    [InlineData(new byte[] { 0x16, 0x20 }, false)]
    [InlineData(new byte[] { (byte)'*', (byte)' ', (byte)'O', (byte)'K' }, false)]
    [InlineData(new byte[0], false)]
    public void IsTlsRecord_KnowsARecordHeader(byte[] first, bool expected) => Assert.Equal(expected, UpstreamTlsMismatch.IsTlsRecord(first));

    [Fact]
    public void SpeaksPlaintext_QuotesTheGreetingsFirstLine_Escaped()
    {
        var said = UpstreamTlsMismatch.SpeaksPlaintext("* OK [CAPABILITY IMAP4rev1] \"ready\"\u0007\r\n* more"u8);

        Assert.Equal("the server speaks plaintext IMAP from the first byte (it greeted \"* OK [CAPABILITY IMAP4rev1] \"ready\"\\x07\"): " +
                     "use --upstream-tls starttls or none", said);
    }
}
