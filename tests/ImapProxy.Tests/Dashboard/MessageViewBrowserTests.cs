using System.Net;
using System.Net.Sockets;
using ImapProxy.Mail;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Security;
using Microsoft.Playwright;
using MimeKit;

namespace ImapProxy.Tests.Dashboard;

/// <summary>
/// Issue 15 item 7 in Chromium: a message MailKit fetched from Dovecot through the proxy, read on the session page as
/// a Mailpit user expects, while its HTML does what hostile mail does (a script, a tracking pixel on a loopback
/// listener of the test's own) and gets nowhere.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class MessageViewBrowserTests(DovecotFixture dovecot, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AFetchedMessage_ShowsDecodedHeadersPartsAndAttachments_AndItsHtmlNeitherRunsNorFetches()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var tracker = new TcpListener(IPAddress.Loopback, 0);
        tracker.Start();
        var trackerUrl = $"http://127.0.0.1:{((IPEndPoint)tracker.LocalEndpoint).Port}/tracker";
        var contacted = tracker.AcceptTcpClientAsync(cts.Token).AsTask();
        var attachment = new byte[3000];
        new Random(7).NextBytes(attachment);
        var sent = HostileMessage(trackerUrl, attachment);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");

        // As a client syncs: sizes and structure of every message by one command, then the body by another.
        var folderName = $"msgview-{Guid.NewGuid():N}"[..20];
        var id = await proxy.RecordSessionAsync(cts.Token, async client =>
        {
            var folder = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(folderName, true, cts.Token))!;
            await folder.AppendAsync(MimeMessage.Load(new MemoryStream(sent)), cancellationToken: cts.Token);
            await folder.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            var summary = Assert.Single(await folder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.BodyStructure, cts.Token));
            (await folder.GetMessageAsync(summary.UniqueId, cts.Token)).Dispose();
        });
        var (page, refused) = await browser.OpenAsync($"{proxy.Dashboard}sessions/{id}");

        var fetch = page.Locator(".item.command[data-command='UID FETCH']").Last;
        await fetch.Locator(".line").ClickAsync();
        // The pixel is asked for once the HTML body is framed: Chromium says its policy refused it.
        await page.RunAndWaitForConsoleMessageAsync(() => fetch.Locator("details.message > summary").ClickAsync(),
            new() { Predicate = m => m.Text.Contains(trackerUrl, StringComparison.Ordinal) });
        var message = fetch.Locator(".message");

        await Assertions.Expect(message.Locator(".headers")).ToContainTextAsync("Grüße aus Köln <script>");
        Assert.Equal(["1", "1.1", "1.2", "2"], await message.Locator("table.parts tr[data-part]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.part)"));
        await Assertions.Expect(message.Locator(".claims")).ToContainTextAsync("in an earlier FETCH");
        Assert.Equal(0, await message.Locator(".claims .claim.bad").CountAsync());
        var html = page.FrameLocator("iframe.html-body");
        await Assertions.Expect(html.Locator("#greeting")).ToHaveTextAsync("Hello in HTML.");
        Assert.Null(await html.Locator("body").GetAttributeAsync("data-ran"));
        await message.Locator(".headers").EvaluateAsync("e => e.scrollIntoView({ block: 'start' })");
        await Screenshots.SaveAsync(page, "message");

        var download = await page.RunAndWaitForDownloadAsync(() => message.Locator(".attachments a", new() { HasText = "report.bin" }).ClickAsync());
        Assert.Equal("report.bin", download.SuggestedFilename);
        Assert.Equal(attachment, await File.ReadAllBytesAsync(await download.PathAsync(), cts.Token));
        var whole = await page.RunAndWaitForDownloadAsync(() => message.Locator(".claims a", new() { HasText = "download the message" }).ClickAsync());
        Assert.Equal(sent, await File.ReadAllBytesAsync(await whole.PathAsync(), cts.Token));

        // The frame's own answer forbids what the filter might miss.
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var framed = await http.GetAsync(await page.Locator("iframe.html-body").GetAttributeAsync("src"), cts.Token);
        Assert.Equal([SafeHtml.Policy], framed.Headers.GetValues("Content-Security-Policy"));
        // Nothing reached the listener, and the pixel is all the policy refused (the frame itself was allowed).
        Assert.False(contacted.IsCompleted, "the mail's HTML reached the tracker");
        Assert.All(refused, r => Assert.Contains(trackerUrl, r));

        // On a phone the message fits the screen: the part table scrolls within itself, never the page.
        await page.SetViewportSizeAsync(390, 844);
        await page.AssertFitsAsync(".message", ".message .headers", "iframe.html-body");
    }

    /// <summary>A text and an HTML body and an attachment (parts 1.1, 1.2 and 2), the subject in RFC 2047 encoded words.</summary>
    private static byte[] HostileMessage(string trackerUrl, byte[] attachment)
    {
        var body = new BodyBuilder
        {
            TextBody = "Hello in text.\r\n",
            HtmlBody = $"""
                <p id="greeting">Hello in HTML.</p>
                <script>document.body.dataset.ran = "yes"; fetch("{trackerUrl}?script");</script>
                <img src="{trackerUrl}" alt="">
                """,
        };
        body.Attachments.Add("report.bin", attachment, new ContentType("application", "octet-stream"));
        var message = new MimeMessage { Subject = "Grüße aus Köln <script>", Body = body.ToMessageBody(), MessageId = $"{Guid.NewGuid():N}@imapproxy.test" };
        message.From.Add(new MailboxAddress("Sender", "sender@example.org"));
        message.To.Add(new MailboxAddress("Alice", "alice@example.org"));
        using var stream = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, stream);
        var bytes = stream.ToArray();
        Assert.Contains("=?utf-8?", System.Text.Encoding.ASCII.GetString(bytes)); // the page must decode it
        return bytes;
    }
}
