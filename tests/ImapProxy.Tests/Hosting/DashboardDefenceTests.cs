using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ImapProxy.Tests.Hosting;

/// <summary>
/// The requests of a hostile test against the loopback dashboard, sent as a web page on another origin would make a
/// browser send them: a rebound Host, a foreign Origin or Sec-Fetch-Site, a body-less "simple" POST.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class DashboardDefenceTests(DovecotFixture fixture)
{
    private const string Evil = "http://evil.example";

    [Fact]
    public async Task ReboundHost_IsRefused_OnTheApiAndThePage()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var port = proxy.Dashboard.Port;

        foreach (var path in new[] { "api/sessions", "", "sessions/1", "openapi/v1.json", "api/sessions/1/events/1/literals/0", "api/sessions/1/events/1/literals/0/html" })
        {
            var refused = await http.SendAsync(Get(path, host: $"evil.example:{port}"), cts.Token);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("text/plain", refused.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain('\n', (await refused.Content.ReadAsStringAsync(cts.Token)).TrimEnd());
        }
        foreach (var host in new[] { $"127.0.0.1:{port}", $"localhost:{port}", $"[::1]:{port}", $"LOCALHOST:{port}" })
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Get("api/sessions", host), cts.Token)).StatusCode);
        // The container's HEALTHCHECK names no port; phones fetch the CA by whatever name reaches the machine.
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Get("api/health", "127.0.0.1"), cts.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Get("ca.cer", $"laptop.local:{port}"), cts.Token)).StatusCode);
    }

    [Fact]
    public async Task ConfiguredDashboardHost_IsAccepted_AndNoOtherName()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit", "--dashboard-host", "imapproxy.lan");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var port = proxy.Dashboard.Port;

        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Get("api/sessions", $"imapproxy.lan:{port}"), cts.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(Get("api/sessions", $"imapproxy.lan.evil.example:{port}"), cts.Token)).StatusCode);
    }

    [Fact]
    public async Task CrossOriginServe_IsRefused_AndOpensNoListener()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var id = await proxy.RecordSessionAsync(cts.Token);
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var self = proxy.Dashboard.GetLeftPart(UriPartial.Authority);

        // The reported request: body-less, from a page on another origin.
        var bodyless = await http.SendAsync(Post($"api/sessions/{id}/serve", content: null, origin: Evil), cts.Token);
        // The same with what fetch() sends on its own, and from a page of another port on the same machine (same site).
        var json = await http.SendAsync(Post($"api/sessions/{id}/serve", Json("{}"), origin: Evil, site: "cross-site"), cts.Token);
        var sameSite = await http.SendAsync(Post($"api/sessions/{id}/serve", Json("{}"), origin: "http://127.0.0.1:1", site: "same-site"), cts.Token);
        var fetchMetadataOnly = await http.SendAsync(Post($"api/sessions/{id}/serve", Json("{}"), site: "cross-site"), cts.Token);
        var nullOrigin = await http.SendAsync(Post($"api/sessions/{id}/serve", Json("{}"), origin: "null"), cts.Token);
        var replay = await http.SendAsync(Post($"api/sessions/{id}/replay", Json("""{"to":"127.0.0.1:9","password":"x"}"""), origin: Evil), cts.Token);
        var delete = new HttpRequestMessage(HttpMethod.Delete, "api/serves/1");
        delete.Headers.Add("Origin", Evil);

        foreach (var refused in new[] { bodyless, json, sameSite, fetchMetadataOnly, nullOrigin, replay, await http.SendAsync(delete, cts.Token) })
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("text/plain", refused.Content.Headers.ContentType?.MediaType);
        }
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("api/serves", cts.Token)).EnumerateArray());

        // The dashboard's own page may still do it.
        var own = await http.SendAsync(Post($"api/sessions/{id}/serve", Json("{}"), origin: self, site: "same-origin"), cts.Token);
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }

    [Fact]
    public async Task PostWithoutAJsonBody_IsRefused_AndEveryApiPostNeedsOne()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var id = await proxy.RecordSessionAsync(cts.Token);
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };

        // What an old browser, or a form, sends cross-site without a preflight: no Origin, no JSON.
        var bodyless = await http.SendAsync(Post($"api/sessions/{id}/serve", content: null), cts.Token);
        var text = await http.SendAsync(Post($"api/sessions/{id}/serve", new StringContent("{}", Encoding.UTF8, "text/plain")), cts.Token);
        var form = await http.SendAsync(Post($"api/sessions/{id}/replay", new FormUrlEncodedContent([new("to", "127.0.0.1:9")])), cts.Token);

        Assert.Contains(bodyless.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("api/serves", cts.Token)).EnumerateArray());

        // Kept for the endpoints still to come: each POST of the API binds a JSON body it cannot do without.
        var posts = proxy.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true
                        && e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
            .ToList();
        Assert.NotEmpty(posts);
        foreach (var post in posts)
        {
            var accepts = post.Metadata.GetMetadata<IAcceptsMetadata>();
            Assert.True(accepts is { IsOptional: false } && accepts.ContentTypes.SequenceEqual(["application/json"]),
                $"POST {post.RoutePattern.RawText} must require a JSON body");
        }
    }

    [Fact]
    public async Task CrossSiteWebSocket_IsRefused()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", Evil);
        socket.Options.CollectHttpResponseDetails = true;
        var hub = new UriBuilder(proxy.Dashboard) { Scheme = "ws", Path = "_blazor" }.Uri;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(hub, cts.Token));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task DashboardFormPost_WithoutAntiforgeryToken_IsRefused()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };

        var posted = await http.SendAsync(Post("", new FormUrlEncodedContent([new("_handler", "x")])), cts.Token);

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
    }

    [Fact]
    public async Task EveryResponse_HasNosniff_AndAContentSecurityPolicy()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var port = proxy.Dashboard.Port;

        var responses = new List<(string What, HttpResponseMessage Response)>();
        foreach (var path in new[] { "", "status", "app.css", "app.js", "_framework/blazor.web.js", "api/sessions", "api/health", "ca.pem", "no-such-page" })
            responses.Add((path, await http.GetAsync(path, cts.Token)));
        responses.Add(("rebound host", await http.SendAsync(Get("api/sessions", $"evil.example:{port}"), cts.Token)));
        responses.Add(("cross-site post", await http.SendAsync(Post("api/sessions/1/serve", Json("{}"), origin: Evil), cts.Token)));

        foreach (var (what, response) in responses)
        {
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff), $"{what}: no nosniff");
            Assert.Equal(["nosniff"], nosniff);
            Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), $"{what}: no Content-Security-Policy");
            var directives = Assert.Single(csp).Split(';', StringSplitOptions.TrimEntries);
            // Scripts from the dashboard's own files only: no inline script, no eval.
            foreach (var directive in new[] { "default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'" })
                Assert.Contains(directive, directives);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes
    public async Task StoreAndLogs_AreOwnerOnly_InADataDirectoryThatAlreadyExists()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var data = Directory.CreateTempSubdirectory("imapproxy-shared-");
        try
        {
            // A directory others may read, such as a shared tmpfs.
            File.SetUnixFileMode(data.FullName, (UnixFileMode)0b111_101_101);
            await using (var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit", "--data", data.FullName))
            {
                await proxy.RecordSessionAsync(cts.Token);

                const UnixFileMode ownerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                var db = Path.Combine(data.FullName, Storage.Sqlite.SqliteEventStore.FileName);
                foreach (var file in new[] { db, db + "-wal", db + "-shm" })
                    Assert.Equal(ownerFile, File.GetUnixFileMode(file));
                // The captured bytes themselves: a file per session and direction.
                var raw = db + "-raw";
                Assert.Equal(ownerFile | UnixFileMode.UserExecute, File.GetUnixFileMode(raw));
                var rawFiles = Directory.GetFiles(raw);
                Assert.NotEmpty(rawFiles);
                foreach (var file in rawFiles) Assert.Equal(ownerFile, File.GetUnixFileMode(file));
                var logs = Path.Combine(data.FullName, "logs");
                Assert.Equal(ownerFile | UnixFileMode.UserExecute, File.GetUnixFileMode(logs));
                var files = Directory.GetFiles(logs);
                Assert.NotEmpty(files);
                foreach (var log in files) Assert.Equal(ownerFile, File.GetUnixFileMode(log));
            }
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TokenMode_PrintsTheTokenOnTheTerminalOnly_AndAcceptsTheMachinesAddresses()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit", "--dashboard", "http://0.0.0.0:0");
        var token = System.Text.RegularExpressions.Regex.Match(proxy.Terminal.ToString(), @"\?token=([\w-]+)").Groups[1].Value;
        var port = proxy.Dashboard.Port;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);

        Assert.NotEmpty(token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/sessions", cts.Token)).StatusCode);
        // Listening on every address, the dashboard answers to any of them; a name is still one it was given.
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Get("api/sessions", $"192.168.1.20:{port}"), cts.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(Get("api/sessions", $"evil.example:{port}"), cts.Token)).StatusCode);
        foreach (var log in Directory.GetFiles(Path.Combine(proxy.DataDirectory, "logs")))
            Assert.DoesNotContain(token, await ReadSharedAsync(log, cts.Token));
    }

    private static HttpRequestMessage Get(string path, string host)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        return request;
    }

    private static HttpRequestMessage Post(string path, HttpContent? content, string? origin = null, string? site = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (site is not null) request.Headers.Add("Sec-Fetch-Site", site);
        return request;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A log file the running proxy still has open for writing.</summary>
    private static async Task<string> ReadSharedAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return await new StreamReader(stream).ReadToEndAsync(ct);
    }
}
