using MimeKit;

namespace ImapProxy.Tests.Support;

internal static class Messages
{
    /// <summary>A multipart message with a text part and a binary attachment, serialized as MimeKit writes it
    /// (so appending it through MailKit and fetching it back gives the same bytes).</summary>
    public static byte[] WithAttachment(string subject, int attachmentBytes, int seed = 1)
    {
        var content = new byte[attachmentBytes];
        new Random(seed).NextBytes(content);
        var body = new BodyBuilder { TextBody = $"Hello.\r\nThis message carries {attachmentBytes} bytes of attachment.\r\n" };
        body.Attachments.Add("report.bin", content, new ContentType("application", "octet-stream"));
        var message = new MimeMessage
        {
            Subject = subject,
            Body = body.ToMessageBody(),
            Date = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero),
            MessageId = $"{Guid.NewGuid():N}@imapproxy.test",
        };
        message.From.Add(new MailboxAddress("Sender", "sender@example.org"));
        message.To.Add(new MailboxAddress("Alice", "alice@example.org"));
        using var stream = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, stream);
        return stream.ToArray();
    }
}
