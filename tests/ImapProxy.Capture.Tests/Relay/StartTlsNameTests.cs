using System.Text;
using ImapProxy.Capture.Relay;

namespace ImapProxy.Capture.Tests.Relay;

/// <summary>
/// The relay forwards a client's chunk before parsing it unless a STARTTLS could end in it: the test for its name
/// must miss none (any case, anywhere), or bytes sent behind a STARTTLS would reach the server before the TLS
/// boundary was found.
/// </summary>
public sealed class StartTlsNameTests
{
    [Theory]
    [InlineData("a1 STARTTLS\r\n")]
    [InlineData("a1 starttls\r\n")]
    [InlineData("a1 StartTls\r\na2 LOGIN alice secret\r\n")]
    [InlineData("x sSTARTTLS")] // an 's' just before the name
    [InlineData("STARTTLS")]
    public void ANameInAnyCase_IsSeen(string chunk) => Assert.True(ProxySession.NamesStartTls(Encoding.ASCII.GetBytes(chunk)));

    [Theory]
    [InlineData("a1 NOOP\r\n")]
    [InlineData("a1 START")] // the rest in the next chunk, which then does not begin a line: parsed first
    [InlineData("a1 STARTTL")]
    [InlineData("s")]
    [InlineData("a1 SELECT INBOX\r\n")]
    public void OtherBytes_AreNot(string chunk) => Assert.False(ProxySession.NamesStartTls(Encoding.ASCII.GetBytes(chunk)));
}
