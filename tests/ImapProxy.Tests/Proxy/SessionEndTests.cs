using System.Net.Sockets;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Proxy;

/// <summary>
/// Issue 15, item 2: sessions on the TLS listener stayed "open" for minutes after the client had gone. Every session
/// ends when either side is gone, with its reason, whatever step it was at.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class SessionEndTests(DovecotFixture fixture)
{
    private DovecotServer Dovecot => fixture.Server;

    [Fact]
    public async Task TlsClientThatLeavesBeforeItsHandshake_EndsTheSession()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");

        using (await RawClient.ConnectAsync(proxy.TlsPort, cts.Token)) { }

        var session = await ClosedSessionAsync(proxy);
        Assert.Equal("client-tls-failed", session.CloseReason);
    }

    [Fact]
    public async Task TlsClientThatResetsMidHandshake_EndsTheSession()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");

        using var raw = await RawClient.ConnectAsync(proxy.TlsPort, cts.Token);
        // The first bytes of a TLS 1.2 ClientHello record, then the client is gone.
        await raw.WriteAsync("\u0016\u0003\u0001\u0001\u0000\u0001", cts.Token);
        raw.Reset();

        var session = await ClosedSessionAsync(proxy);
        Assert.Equal("client-tls-failed", session.CloseReason);
    }

    [Fact]
    public async Task TlsClientThatResetsAfterTheGreeting_EndsTheSessionAsAReset()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");

        using var raw = await RawClient.ConnectAsync(proxy.TlsPort, cts.Token);
        await raw.StartTlsAsync(proxy.TrustProxyCa, cts.Token);
        Assert.StartsWith("* OK", await raw.ReadLineAsync(cts.Token));
        await raw.WriteAsync("a1 NOOP\r\n", cts.Token);
        Assert.StartsWith("a1 OK", await raw.ReadLineAsync(cts.Token));
        raw.Reset();

        var session = await ClosedSessionAsync(proxy);
        Assert.Equal("client-reset", session.CloseReason);
    }

    [Fact]
    public async Task TlsClientThatLeavesWhileTheUpstreamHasNotGreeted_EndsTheSession()
    {
        // TLS listener and a STARTTLS upstream: the proxy waits for the greeting to send STARTTLS itself. A server that
        // never greets (one that is not an IMAP server) kept the session open after the client had gone.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var upstream = new FakeUpstream();
        var serve = upstream.ServeOneAsync(async socket =>
        {
            var buffer = new byte[1024];
            // Silent until the proxy gives up on it.
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0) { }
            return true;
        }, cts.Token);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "starttls", "--upstream", $"127.0.0.1:{upstream.Port}");

        using (var raw = await RawClient.ConnectAsync(proxy.TlsPort, cts.Token))
            await raw.StartTlsAsync(proxy.TrustProxyCa, cts.Token);

        // Silent since its handshake: the relay's usual reading of that (a client that rejected our certificate).
        var session = await ClosedSessionAsync(proxy);
        Assert.Equal("client-tls-failed", session.CloseReason);
        Assert.Contains("right after the handshake", session.CloseDetail);
        Assert.True(await serve);
    }

    [Fact]
    public async Task UpstreamThatGoesAway_EndsTheTlsSession_AndTheClientSeesTheEnd()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var upstream = new FakeUpstream();
        var serve = upstream.ServeOneAsync(async socket =>
        {
            await socket.SendAsync("* OK fake ready\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
            var buffer = new byte[1024];
            await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            // Gone without a word, the way a crashed server is.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
            return true;
        }, cts.Token);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "none", "--upstream", $"127.0.0.1:{upstream.Port}");

        using var raw = await RawClient.ConnectAsync(proxy.TlsPort, cts.Token);
        await raw.StartTlsAsync(proxy.TrustProxyCa, cts.Token);
        Assert.StartsWith("* OK fake ready", await raw.ReadLineAsync(cts.Token));
        await raw.WriteAsync("a1 NOOP\r\n", cts.Token);
        Assert.True(await serve);
        Assert.Equal("", await raw.ReadToEndAsync(cts.Token));

        var session = await ClosedSessionAsync(proxy);
        Assert.Contains(session.CloseReason, new[] { "server-closed", "server-reset" });
    }

    private static async Task<Storage.SessionRow> ClosedSessionAsync(ProxyHarness proxy)
    {
        await proxy.WaitForSessionsToCloseAsync(started: 1);
        var session = Assert.Single(proxy.Store.GetSessions(1));
        Assert.NotNull(session.EndedAt);
        Assert.False(string.IsNullOrEmpty(session.CloseDetail));
        return session;
    }
}
