using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Api;

/// <summary>Replays driven over the HTTP API of a running proxy, against the real Dovecot.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ReplayApiTests(DovecotFixture fixture)
{
    [Fact]
    public async Task ReplayAndServe_AreDrivenOverHttp()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var id = await proxy.RecordSessionAsync(cts.Token);
        var ca = proxy.UpstreamCaFile;
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };

        var check = await http.GetFromJsonAsync<JsonElement>($"api/sessions/{id}/replay", cts.Token);
        var replay = await http.PostAsJsonAsync($"api/sessions/{id}/replay",
            new { to = $"127.0.0.1:{fixture.Server.ImapsPort}", tls = "implicit", caFile = ca, password = DovecotUser.Alice.Password }, cts.Token);
        var refused = await http.PostAsJsonAsync($"api/sessions/{id}/replay", new { to = $"127.0.0.1:{fixture.Server.ImapsPort}", caFile = ca }, cts.Token);
        var served = await http.PostAsJsonAsync($"api/sessions/{id}/serve", new { }, cts.Token);

        Assert.Equal(JsonValueKind.Null, check.GetProperty("clientReplay").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/sessions/999/replay", cts.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var result = await replay.Content.ReadFromJsonAsync<JsonElement>(cts.Token);
        Assert.Equal(0, result.GetProperty("differing").GetInt32());
        Assert.Contains(result.GetProperty("exchanges").EnumerateArray(), x => x.GetProperty("command").GetString() == "EXAMINE" && x.GetProperty("same").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("give the password", await refused.Content.ReadAsStringAsync(cts.Token));

        Assert.Equal(HttpStatusCode.Created, served.StatusCode);
        var serve = await served.Content.ReadFromJsonAsync<JsonElement>(cts.Token);
        var port = IPEndPoint.Parse(serve.GetProperty("address").GetString()!).Port;
        using (var raw = await RawClient.ConnectAsync(port, cts.Token))
            Assert.StartsWith("* OK [CAPABILITY", await raw.ReadLineAsync(cts.Token));
        Assert.Single((await http.GetFromJsonAsync<JsonElement>("api/serves", cts.Token)).EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"api/serves/{serve.GetProperty("id").GetInt32()}", cts.Token)).StatusCode);
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("api/serves", cts.Token)).EnumerateArray());
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => RawClient.ConnectAsync(port, cts.Token));
    }

    [Fact]
    public async Task ReplayAgainstTheProxysOwnUpstream_TrustsItAsTheProxyDoes()
    {
        // A web-form user who never typed --upstream-ca: the replay used to fail with UntrustedRoot and then talk about CLI flags.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var id = await proxy.RecordSessionAsync(cts.Token);
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };

        var replay = await http.PostAsJsonAsync($"api/sessions/{id}/replay", new { password = DovecotUser.Alice.Password }, cts.Token);
        var elsewhere = await http.PostAsJsonAsync($"api/sessions/{id}/replay",
            new { to = $"localhost:{fixture.Server.ImapsPort}", tls = "implicit", password = DovecotUser.Alice.Password }, cts.Token);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(0, (await replay.Content.ReadFromJsonAsync<JsonElement>(cts.Token)).GetProperty("differing").GetInt32());
        // Another server name is not the proxy's upstream: its certificate is checked against the system's roots only.
        Assert.Equal(HttpStatusCode.BadRequest, elsewhere.StatusCode);
    }
}
