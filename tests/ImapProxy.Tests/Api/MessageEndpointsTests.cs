using System.Net;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Events;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Search;
using MimeKit;

namespace ImapProxy.Tests.Api;

/// <summary>A literal's download from the real host, after a real MailKit session through the proxy to Dovecot.</summary>
[Collection(DovecotCollection.Name)]
public sealed class MessageEndpointsTests(DovecotFixture fixture)
{
    [Fact]
    public async Task ALiteralOverTheCaptureCap_IsServedAsFarAsItWasKept_AndSaysSo()
    {
        // Issue 15, item 6: the download is the literal as stored; one the capture cut never passes for whole.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit", "--literal-cap", "1000");
        var sent = Support.Messages.WithAttachment("cut by the cap", 20_000);
        var id = await proxy.RecordSessionAsync(cts.Token, async client =>
        {
            var folder = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync($"cap-{Guid.NewGuid():N}"[..16], true, cts.Token))!;
            await folder.AppendAsync(MimeMessage.Load(new MemoryStream(sent)), cancellationToken: cts.Token);
            await folder.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            (await folder.GetMessageAsync((await folder.SearchAsync(SearchQuery.All, cts.Token))[0], cts.Token)).Dispose();
        });
        var body = proxy.Store.GetEvents(id, 0, 10_000).Single(e => e.ReadEvent() is FrameParsed { Frame: ResponseFrame { Data: FetchData { Sections: [{ Item: "BODY[]" }] } } });
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var url = $"api/sessions/{id}/events/{body.Sequence}/literals/0";

        var response = await http.GetAsync(url, cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(sent[..1000], await response.Content.ReadAsByteArrayAsync(cts.Token));
        Assert.Equal([sent.Length.ToString()], response.Headers.GetValues("X-Literal-Length"));
        Assert.Equal(["1000"], response.Headers.GetValues("X-Literal-Kept"));
        Assert.Equal($"session-{id}-event-{body.Sequence}-literal-0-first-1000-of-{sent.Length}-bytes.eml", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/sessions/{id}/events/{body.Sequence}/literals/1", cts.Token)).StatusCode);
        // The same checks as the rest of the API: a page of another site cannot read a captured message.
        var foreign = new HttpRequestMessage(HttpMethod.Get, url);
        foreign.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(foreign, cts.Token)).StatusCode);
    }
}
