using System.Text;
using ImapProxy.Protocol.Secrets;

namespace ImapProxy.Protocol.Tests.Secrets;

public class ClientBytesRedactionTests
{
    [Fact]
    public void LoginPipelinedBehindStartTls_LosesItsPassword_AndNothingElse()
    {
        const string injected = "a2 LOGIN alice s3cret-pw\r\na3 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldC1wdw==\r\na4 NOOP\r\n";

        var redacted = Encoding.ASCII.GetString(ClientBytesRedaction.Redact(Encoding.ASCII.GetBytes(injected)));

        Assert.Equal(injected.Length, redacted.Length);
        Assert.DoesNotContain("s3cret", redacted);
        Assert.DoesNotContain("AGFsaWNl", redacted);
        Assert.StartsWith("a2 LOGIN alice ", redacted);
        Assert.EndsWith("a4 NOOP\r\n", redacted);
    }

    [Fact]
    public void BytesBeyondASecondStartTls_AreNotShown()
    {
        var redacted = Encoding.ASCII.GetString(ClientBytesRedaction.Redact("a2 STARTTLS\r\na3 LOGIN bob hunter2\r\n"u8));

        Assert.StartsWith("a2 STARTTLS\r\n", redacted);
        Assert.DoesNotContain("hunter2", redacted);
        Assert.Equal("a2 STARTTLS\r\na3 LOGIN bob hunter2\r\n".Length, redacted.Length);
    }
}
