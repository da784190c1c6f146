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

    [Fact]
    public void LoginBehindStartTls_IsRedacted_WhereverItIsReportedUnparsed()
    {
        // The parser stops at STARTTLS; once the server said OK, what the client sent behind it is reported unparsed
        // (the relay does this, and so do the parser's own held bytes). Redaction sits where every such byte passes,
        // not in one caller: the review found the parser's own paths wrote them in clear.
        var sink = new ClientBytes();
        var parser = new ImapSessionParser(sink);
        var chunk = "a1 STARTTLS\r\na2 LOGIN alice s3cret-pw\r\n"u8.ToArray();
        parser.Feed(Direction.Server, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"u8);
        var consumed = parser.Feed(Direction.Client, chunk);
        parser.Feed(Direction.Server, "a1 OK begin TLS\r\n"u8);
        parser.ReportUnparsed(Direction.Client, chunk.AsSpan(consumed));

        var stored = Encoding.ASCII.GetString(sink.Bytes.ToArray());
        Assert.Equal("a1 STARTTLS\r\na2 LOGIN alice s3cret-pw\r\n".Length, stored.Length);
        Assert.DoesNotContain("s3cret", stored);
        Assert.DoesNotContain(sink.Frames, f => FrameJson.Serialize(f).Contains("s3cret", StringComparison.Ordinal));
    }

    private sealed class ClientBytes : IImapSink
    {
        public List<byte> Bytes { get; } = [];
        public List<ImapFrame> Frames { get; } = [];

        public void OnFrame(ImapFrame frame) => Frames.Add(frame);

        public void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Framing.Literal? literal)
        {
            if (direction == Direction.Client) Bytes.AddRange(bytes);
        }
    }
}
