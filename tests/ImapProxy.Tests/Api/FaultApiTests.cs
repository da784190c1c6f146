using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit.Net.Imap;
using MailKit.Security;

namespace ImapProxy.Tests.Api;

/// <summary>/api/faults on the real host: add, see it fire on a real session to Dovecot, remove; bad rules and other sites refused.</summary>
[Collection(DovecotCollection.Name)]
public sealed class FaultApiTests(DovecotFixture fixture)
{
    [Fact]
    public async Task Rule_AddedListedFiredAndRemoved()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };

        var added = await http.PostAsJsonAsync("api/faults", new { rule = "cmd:NOOP => status NO \"from the API\"" }, cts.Token);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var id = (await added.Content.ReadFromJsonAsync<JsonElement>(cts.Token)).GetProperty("id").GetInt32();
        Assert.Equal($"/api/faults/{id}", added.Headers.Location?.ToString());

        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var refused = await Assert.ThrowsAsync<ImapCommandException>(() => client.NoOpAsync(cts.Token));
            Assert.Equal("from the API", refused.ResponseText);
            await client.DisconnectAsync(true, cts.Token);
        }

        var listed = Assert.Single((await http.GetFromJsonAsync<JsonElement>("api/faults", cts.Token)).EnumerateArray());
        Assert.Equal("cmd:NOOP => status NO \"from the API\"", listed.GetProperty("rule").GetString());
        Assert.Equal(1, listed.GetProperty("fired").GetInt64());

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"api/faults/{id}", cts.Token)).StatusCode);
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("api/faults", cts.Token)).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"api/faults/{id}", cts.Token)).StatusCode);
    }

    [Fact]
    public async Task BadRule_Is400_NamingWhere()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };

        var bad = await http.PostAsJsonAsync("api/faults", new { rule = "cmd:FETCH => literal shorten 3" }, cts.Token);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>(cts.Token);

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(21, problem.GetProperty("position").GetInt32());
        Assert.StartsWith("at character 22: literal truncate N or literal corrupt", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("api/faults", new { rule = (string?)null }, cts.Token)).StatusCode);
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("api/faults", cts.Token)).EnumerateArray());
    }

    [Fact]
    public async Task OtherSites_CannotAddOrRemove()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit", "--fault", "cmd:NOOP => close");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        const string evil = "https://evil.example";

        var crossSite = new HttpRequestMessage(HttpMethod.Post, "api/faults") { Content = JsonContent.Create(new { rule = "cmd:LOGIN => close" }) };
        crossSite.Headers.Add("Origin", evil);
        var text = new HttpRequestMessage(HttpMethod.Post, "api/faults") { Content = new StringContent("""{"rule":"cmd:LOGIN => close"}""", Encoding.UTF8, "text/plain") };
        var delete = new HttpRequestMessage(HttpMethod.Delete, "api/faults/1");
        delete.Headers.Add("Origin", evil);
        var rebound = new HttpRequestMessage(HttpMethod.Get, "api/faults");
        rebound.Headers.Host = "evil.example";

        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(crossSite, cts.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await http.SendAsync(text, cts.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(delete, cts.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(rebound, cts.Token)).StatusCode);
        var rules = (await http.GetFromJsonAsync<JsonElement>("api/faults", cts.Token)).EnumerateArray().Select(r => r.GetProperty("rule").GetString());
        Assert.Equal(["cmd:NOOP => close"], rules);
    }
}
