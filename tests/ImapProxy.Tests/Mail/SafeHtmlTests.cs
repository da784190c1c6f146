using ImapProxy.Mail;
using MimeKit;

namespace ImapProxy.Tests.Mail;

public sealed class SafeHtmlTests
{
    [Fact]
    public void Filter_DropsWhatNeitherTheSandboxNorThePolicyStops_AndKeepsTheLook()
    {
        const string hostile = """
            <html><head><meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/refresh">
            <base href="http://127.0.0.1:9/"><link rel="dns-prefetch" href="//tracker.example">
            <script>document.title = 'ran';</script></head>
            <body onload="alert(1)"><p style="color: red">Hello</p><img src="data:image/gif;base64,R0lGOD" onerror="alert(2)">
            <iframe src="http://127.0.0.1:9/frame"></iframe></body></html>
            """;

        var safe = SafeHtml.Filter(hostile, _ => null);

        foreach (var gone in new[] { "<meta", "<base", "<link", "<script", "document.title", "onload", "onerror", "<iframe" })
            Assert.DoesNotContain(gone, safe, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<p style=\"color: red\">Hello</p>", safe);
        Assert.Contains("src=\"data:image/gif;base64,R0lGOD\"", safe);
    }

    [Fact]
    public void TheMessagesOwnImages_AreInlinedAsDataUris_AndAMissingOneLeftOut()
    {
        // What the policy allows (data:) is what a cid: reference (RFC 2392) becomes; the frame fetches nothing.
        var body = new BodyBuilder();
        var logo = body.LinkedResources.Add("logo.png", [0x89, 0x50, 0x4E, 0x47], new ContentType("image", "png"));
        logo.ContentId = "logo@example.org";
        body.HtmlBody = "<img src=\"cid:logo@example.org\"><img src=\"cid:gone@example.org\">";
        using var message = new MimeMessage { Body = body.ToMessageBody() };

        var safe = SafeHtml.Filter(message.HtmlBody!, SafeHtml.ImagesOf(message));

        Assert.Contains("<img src=\"data:image/png;base64,iVBORw==\"", safe);
        Assert.DoesNotContain("cid:", safe);
    }
}
