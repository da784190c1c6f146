using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImapProxy.Protocol;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;

namespace ImapProxy.Tests.Api;

/// <summary>The HTTP API of the real host on loopback, after real sessions through the proxy to Dovecot.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ApiTests(DovecotFixture fixture)
{
    [Fact]
    public async Task SessionsEventsAndRawBytes_AreServedWithFilters()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        await proxy.RecordSessionAsync(cts.Token);
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };

        var sessions = await http.GetFromJsonAsync<JsonElement>("api/sessions?filter=user:alice%20cmd:EXAMINE", cts.Token);
        var session = Assert.Single(sessions.GetProperty("sessions").EnumerateArray());
        var id = session.GetProperty("id").GetInt64();
        Assert.Equal("alice", session.GetProperty("user").GetString());
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("api/sessions?filter=user:bob", cts.Token)).GetProperty("sessions").EnumerateArray());

        var one = await http.GetFromJsonAsync<JsonElement>($"api/sessions/{id}", cts.Token);
        // After LOGOUT both sides close at once; which EOF the proxy sees first is a race.
        Assert.Contains(one.GetProperty("closeReason").GetString(), new[] { "client-closed", "server-closed" });

        var events = await http.GetFromJsonAsync<JsonElement>($"api/sessions/{id}/events?filter=cmd:EXAMINE", cts.Token);
        var names = events.GetProperty("events").EnumerateArray().Select(e => (e.GetProperty("type").GetString(), e.GetProperty("name").GetString())).ToList();
        Assert.Equal([("frame", "EXAMINE"), ("command-completed", "EXAMINE")], names);
        Assert.Equal("INBOX", events.GetProperty("events")[0].GetProperty("event").GetProperty("frame").GetProperty("args").GetProperty("mailbox").GetString());

        var raw = await http.GetByteArrayAsync($"api/sessions/{id}/raw?dir=client", cts.Token);
        Assert.Equal(proxy.Store.GetRaw(id, Direction.Client), raw);

        var transcript = await http.GetAsync($"api/sessions/{id}/export?format=transcript", cts.Token);
        Assert.Equal(HttpStatusCode.OK, transcript.StatusCode);
        Assert.Contains("EXAMINE INBOX", await transcript.Content.ReadAsStringAsync(cts.Token));
        Assert.Contains("attachment", transcript.Content.Headers.ContentDisposition?.ToString());
    }

    [Fact]
    public async Task ALiveSessionsByteCounts_GrowWhileItIsOpen()
    {
        // Issue 15, item 3: the counts stayed empty ("0 B") until the session closed, even after megabytes.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        using var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token);
        await proxy.FlushStoreAsync();
        var id = Assert.Single(proxy.Store.GetSessions(1)).Id;
        var before = await http.GetFromJsonAsync<JsonElement>($"api/sessions/{id}", cts.Token);

        var message = Messages.WithAttachment("live counters", 300_000);
        var folder = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync($"live-{Guid.NewGuid():N}", true, cts.Token))!;
        await folder.AppendAsync(MimeKit.MimeMessage.Load(new MemoryStream(message)), cancellationToken: cts.Token);
        await proxy.FlushStoreAsync();
        var after = await http.GetFromJsonAsync<JsonElement>($"api/sessions/{id}", cts.Token);

        Assert.True(after.GetProperty("live").GetBoolean());
        Assert.True(before.GetProperty("clientBytes").GetInt64() > 0, "the LOGIN was sent before");
        Assert.True(after.GetProperty("clientBytes").GetInt64() >= before.GetProperty("clientBytes").GetInt64() + message.Length);
        Assert.True(after.GetProperty("serverBytes").GetInt64() > before.GetProperty("serverBytes").GetInt64());
        await client.DisconnectAsync(true, cts.Token);
    }

    [Fact]
    public async Task BadInput_GivesAProblemThatSaysWhere()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };

        var bad = await http.GetAsync("api/sessions?filter=user:alice%20and%20(cmd:FETCH", cts.Token);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>(cts.Token);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(15, problem.GetProperty("position").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/sessions/999", cts.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("api/sessions/1/raw?dir=sideways", cts.Token)).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryEndpoint_AndNoOther()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };

        var document = await http.GetFromJsonAsync<JsonElement>("openapi/v1.json", cts.Token);

        // Every endpoint a user of the API can call, written out by hand (the README's API table, the filter help, the CA
        // downloads and the health probe): one missing from the document, or one nobody meant to expose, fails here.
        string[] endpoints =
        [
            "GET /api/sessions", "GET /api/sessions/{id}", "GET /api/sessions/{id}/events", "GET /api/sessions/{id}/raw",
            "GET /api/sessions/{id}/findings", "GET /api/findings", "GET /api/sessions/{id}/compare/{other}",
            "GET /api/sessions/{id}/export", "GET /api/events/stream", "GET /api/filter/help",
            "GET /api/sessions/{id}/events/{seq}/literals/{n}", "GET /api/sessions/{id}/events/{seq}/literals/{n}/parts/{part}",
            "GET /api/sessions/{id}/events/{seq}/literals/{n}/html",
            "GET /api/sessions/{id}/replay", "POST /api/sessions/{id}/replay", "POST /api/sessions/{id}/serve",
            "GET /api/serves", "DELETE /api/serves/{id}",
            "GET /api/faults", "POST /api/faults", "DELETE /api/faults/{id}",
            "GET /ca.pem", "GET /ca.cer", "GET /api/health",
        ];
        var described = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"));
        Assert.Equal(endpoints.Order(StringComparer.Ordinal), described.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task LiveStream_DeliversAnEventOfASessionThatStartsAfterSubscribing()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard, Timeout = Timeout.InfiniteTimeSpan };
        using var response = await http.GetAsync("api/events/stream?filter=cmd:LOGIN|AUTHENTICATE%20dir:client", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        Assert.Equal(": subscribed", await reader.ReadLineAsync(cts.Token));

        // The session starts only now.
        using (var client = await proxy.ConnectAsync(DovecotUser.Bob, SecureSocketOptions.SslOnConnect, cts.Token))
            await client.DisconnectAsync(true, cts.Token);

        string? data = null;
        while (data is null && await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
        }
        var e = JsonDocument.Parse(data!).RootElement;
        Assert.Equal("frame", e.GetProperty("type").GetString());
        Assert.Contains(e.GetProperty("frame").GetProperty("command").GetString(), new[] { "LOGIN", "AUTHENTICATE" });
        Assert.DoesNotContain(DovecotUser.Bob.Password, data);
    }

    [Fact]
    public async Task Health_SaysServiceUnavailable_OnceTheRelayStopsAccepting()
    {
        // A failing background service no longer stops the process, so the health check is what tells a container.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/health", cts.Token)).StatusCode);

        // The listening socket breaks under the accept loop (as a closed descriptor would).
        proxy.Services.GetRequiredService<ImapProxy.Capture.Relay.BoundListeners>().All[0].Socket.Dispose();

        HttpResponseMessage health;
        while ((health = await http.GetAsync("api/health", cts.Token)).StatusCode == HttpStatusCode.OK) await Task.Delay(20, cts.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("relay-stopped", (await health.Content.ReadFromJsonAsync<JsonElement>(cts.Token)).GetProperty("status").GetString());
    }
}
