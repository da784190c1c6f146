using System.Text;

namespace ImapProxy.TestSupport;

/// <summary>Raw RFC 5322 messages for seeding mailboxes.</summary>
public static class SampleMessages
{
    public static byte[] Text(string subject, string body, string from = "sender@example.org", string to = "alice@example.org")
    {
        var message = new StringBuilder()
            .Append($"From: {from}\r\n")
            .Append($"To: {to}\r\n")
            .Append($"Subject: {subject}\r\n")
            .Append($"Date: {DateTimeOffset.UtcNow:ddd, dd MMM yyyy HH:mm:ss} +0000\r\n")
            .Append($"Message-ID: <{Guid.NewGuid():N}@imapproxy.test>\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=us-ascii\r\n")
            .Append("\r\n")
            .Append(body.ReplaceLineEndings("\r\n"));
        return Encoding.ASCII.GetBytes(message.ToString());
    }

    /// <summary>A message whose body is about <paramref name="bodyBytes"/> bytes of short CRLF-terminated text lines, for bulky mailboxes.</summary>
    public static byte[] OfSize(string subject, int bodyBytes)
    {
        const string line = "The quick brown fox jumps over the lazy dog while the proxy counts bytes.....\r\n";
        var body = new StringBuilder(bodyBytes + line.Length);
        while (body.Length < bodyBytes) body.Append(line);
        return Text(subject, body.ToString());
    }
}
