using System.Text;
using ImapProxy.Mail;
using MimeKit;

namespace ImapProxy.Tests.Mail;

public sealed class ImapPartNumbersTests
{
    [Fact]
    public void ASinglePartMessage_HasOnePart_NumberedOne()
    {
        using var message = Parse("Subject: one\r\nContent-Type: text/plain\r\n\r\nHello.\r\n");

        Assert.Equal(["1"], ImapPartNumbers.Of(message).Select(p => p.Number));
    }

    [Fact]
    public void AForwardedSinglePartMessage_NumbersItsBodyBelowThePart()
    {
        // RFC 3501 §6.4.5: inside a message/rfc822 part, numbers continue into the encapsulated message's body.
        using var message = Parse(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
            "--b\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n" +
            "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\nForwarded.\r\n" +
            "--b--\r\n");

        var parts = ImapPartNumbers.Of(message);

        Assert.Equal(["1", "2", "2.1"], parts.Select(p => p.Number));
        Assert.Equal("Forwarded.", ((TextPart)ImapPartNumbers.Find(message, "2.1")!).Text.TrimEnd());
        Assert.Null(ImapPartNumbers.Find(message, "3"));
    }

    private static MimeMessage Parse(string text) => MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(text)));
}
