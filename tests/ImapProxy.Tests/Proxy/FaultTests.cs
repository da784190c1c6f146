using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Security;
using MimeKit;

namespace ImapProxy.Tests.Proxy;

/// <summary>When a side fails, the session ends with a clear reason and the proxy goes on serving others.</summary>
[Collection(DovecotCollection.Name)]
public sealed class FaultTests(DovecotFixture fixture)
{
    private DovecotServer Dovecot => fixture.Server;

    [Fact]
    public async Task ClientThatDoesNotTrustOurCa_IsToldWhy_AndTheProxyGoesOn()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, proxy.TlsPort, cts.Token);
            await using var ssl = new SslStream(tcp.GetStream());
            await Assert.ThrowsAsync<System.Security.Authentication.AuthenticationException>(() =>
                ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, cts.Token));
        }

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));
        Assert.Equal("client-tls-failed", session.CloseReason);
        Assert.Contains("does not trust the ImapProxy CA", session.CloseDetail);
        Assert.Contains(proxy.Ca.CertificatePemPath, session.CloseDetail);
        await AssertStillServesAsync(proxy, cts.Token);
    }

    [Fact]
    public async Task ClientOfferingOnlyPskSuites_IsOneLineAboutCiphers_NotATrustProblem()
    {
        // Probes that offer only PSK suites were logged as errors with stack traces and blamed on the CA.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");

        await ProcessRunner.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{proxy.TlsPort}", "-psk", "1a2b3c4d",
            "-cipher", "PSK-AES128-CBC-SHA", "-tls1_2"], TimeSpan.FromSeconds(30), cts.Token);

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));
        Assert.Equal("client-tls-failed", session.CloseReason);
        Assert.Contains("offered no TLS version or cipher suite the proxy accepts", session.CloseDetail);
        Assert.DoesNotContain("ImapProxy CA", session.CloseDetail);
        await AssertStillServesAsync(proxy, cts.Token);
    }

    [Fact]
    public async Task ClientThatHalfClosesAtOnce_StillGetsTheServersAnswer()
    {
        // printf 'a1 LOGOUT\r\n' | nc against a server slow to greet: the client has closed its side before anything came
        // back. A fake upstream that answers only once it has seen the end of what the client sends (Dovecot cannot
        // be made to wait for that on cue): before the fix the proxy closed both ways and the client got nothing.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var upstream = new FakeUpstream();
        var serve = upstream.ServeOneAsync(async socket =>
        {
            var received = new MemoryStream();
            var buffer = new byte[1024];
            for (int n; (n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0;) received.Write(buffer, 0, n);
            await socket.SendAsync("* OK slow fake ready\r\n* BYE logging out\r\na1 OK LOGOUT completed\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
            socket.Shutdown(SocketShutdown.Both);
            return Encoding.ASCII.GetString(received.ToArray());
        }, cts.Token);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "none", "--upstream", $"127.0.0.1:{upstream.Port}");
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, proxy.PlainPort, cts.Token);
        await client.SendAsync("a1 LOGOUT\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
        client.Shutdown(SocketShutdown.Send);

        var answer = new MemoryStream();
        var chunk = new byte[4096];
        for (int n; (n = await client.ReceiveAsync(chunk, SocketFlags.None, cts.Token)) > 0;) answer.Write(chunk, 0, n);

        Assert.Equal("a1 LOGOUT\r\n", await serve);
        Assert.Equal("* OK slow fake ready\r\n* BYE logging out\r\na1 OK LOGOUT completed\r\n", Encoding.ASCII.GetString(answer.ToArray()));
    }

    [Fact]
    public async Task UntrustedUpstreamCertificate_IsRefusedByDefault()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--no-upstream-ca");

        using (var raw = await RawClient.ConnectAsync(proxy.TlsPort, cts.Token))
        {
            await raw.StartTlsAsync(proxy.TrustProxyCa, cts.Token);
            var line = await raw.ReadLineAsync(cts.Token);
            Assert.StartsWith("* BYE [UNAVAILABLE] ImapProxy: the upstream certificate was refused", line);
        }
        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));
        Assert.Equal("upstream-tls-failed", session.CloseReason);
        Assert.Contains("--upstream-ca", session.CloseDetail);
        var handshake = proxy.Store.GetEvents(session.Id, 0, 100).Single(e => e.Type == "tls-handshake" && e.Name == "upstream");
        Assert.Contains("RemoteCertificateChainErrors", handshake.Json);
    }

    [Fact]
    public async Task UntrustedUpstreamCertificate_IsAcceptedWithUpstreamInsecure_AndFlagged()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--upstream-insecure");

        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
            await client.DisconnectAsync(true, cts.Token);

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));
        Assert.True(session.UpstreamInsecure);
        var handshake = proxy.Store.GetEvents(session.Id, 0, 100).Single(e => e.Type == "tls-handshake" && e.Name == "upstream");
        Assert.Contains("\"validationIgnored\":true", handshake.Json);
    }

    [Fact]
    public async Task ClientDisconnectingMidCommand_EndsItsSessionOnly()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");

        using (var raw = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token))
        {
            await raw.ReadLineAsync(cts.Token); // greeting
            await raw.WriteAsync($"a1 LOGIN alice {DovecotUser.Alice.Password}\r\n", cts.Token);
            await raw.ReadLineAsync(cts.Token);
            // Half an APPEND literal, then the client vanishes.
            await raw.WriteAsync("a2 APPEND INBOX {1000+}\r\nSubject: cut", cts.Token);
        }

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));
        Assert.Equal("client-closed", session.CloseReason);
        var events = proxy.Store.GetEvents(session.Id, 0, 100);
        Assert.Contains(events, e => e.Type == "frame" && e.Kind == "malformed" && e.Json.Contains("truncated"));
        await AssertStillServesAsync(proxy, cts.Token);
    }

    [Fact]
    public async Task UpstreamDyingMidLiteral_EndsTheSessionWithTheReason()
    {
        // A fake upstream: Dovecot cannot be told to die in the middle of a literal on cue.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var upstream = new FakeUpstream();
        var serve = upstream.ServeOneAsync(async socket =>
        {
            await using var stream = new NetworkStream(socket);
            var reader = new StreamReader(stream, Encoding.ASCII);
            await stream.WriteAsync("* OK fake ready\r\n"u8.ToArray(), cts.Token);
            await reader.ReadLineAsync(cts.Token);
            await stream.WriteAsync("* 1 FETCH (BODY[] {100000}\r\nSubject: half"u8.ToArray(), cts.Token);
            socket.Shutdown(SocketShutdown.Both);
            return true;
        }, cts.Token);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "none", "--upstream", $"127.0.0.1:{upstream.Port}");

        using (var raw = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token))
        {
            await raw.ReadLineAsync(cts.Token);
            await raw.WriteAsync("a1 FETCH 1 BODY[]\r\n", cts.Token);
            await raw.ReadToEndAsync(cts.Token);
        }
        await serve;

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));
        Assert.Equal("server-closed", session.CloseReason);
        var events = proxy.Store.GetEvents(session.Id, 0, 100);
        Assert.Contains(events, e => e.Type == "frame" && e.Kind == "malformed" && e.Source == "server" && e.Json.Contains("truncated"));
    }

    [Fact]
    public async Task UnreachableUpstream_IsExplainedToTheClientInABye()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there any more
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "none", "--upstream", $"127.0.0.1:{port}");

        using var raw = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token);
        var line = await raw.ReadLineAsync(cts.Token);

        Assert.StartsWith("* BYE [UNAVAILABLE] ImapProxy cannot reach the upstream server", line);
        await proxy.WaitForSessionsToCloseAsync();
        Assert.Equal("upstream-unreachable", Assert.Single(proxy.Store.GetSessions(1)).CloseReason);
    }

    [Fact]
    public async Task BytesAfterStartTls_AreNotCarriedIntoTheTlsSession()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "starttls");

        using (var raw = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token))
        {
            await raw.ReadLineAsync(cts.Token);
            // RFC 3501 §6.2.1: a command injected behind STARTTLS in the same packet.
            await raw.WriteAsync("a1 STARTTLS\r\na2 CREATE injected\r\n", cts.Token);
            Assert.StartsWith("a1 OK", await raw.ReadLineAsync(cts.Token));
            await raw.StartTlsAsync(proxy.TrustProxyCa, cts.Token);
            await raw.WriteAsync("a3 LOGOUT\r\n", cts.Token);
            var rest = await raw.ReadToEndAsync(cts.Token);
            Assert.DoesNotContain("a2", rest);
            Assert.Contains("a3 OK", rest);
        }

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));
        var events = proxy.Store.GetEvents(session.Id, 0, 100);
        Assert.Contains(events, e => e.Type == "proxy-action" && e.Name == "starttls-injection" && e.Json.Contains("a2 CREATE injected"));
        Assert.Contains(events, e => e.Type == "frame" && e.Kind == "malformed" && e.Json.Contains("starttls-injection"));
        Assert.DoesNotContain(events, e => e.Type == "command-completed" && e.Tag == "a2");
    }

    [Fact]
    public async Task LiteralsAboveTheCap_AreCut_WithTheirSizeAndHashRecorded()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--literal-cap", "64KiB");
        var message = Messages.WithAttachment("big", 400_000);
        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var folder = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync($"cap-{Guid.NewGuid():N}", true, cts.Token))!;
            await folder.AppendAsync(MimeMessage.Load(new MemoryStream(message)), cancellationToken: cts.Token);
            await client.DisconnectAsync(true, cts.Token);
        }

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));
        var cut = proxy.Store.GetEvents(session.Id, 0, 1000).Single(e => e.Type == "literal-truncated");
        Assert.Contains($"\"length\":{message.Length}", cut.Json);
        Assert.Contains($"\"kept\":{64 * 1024}", cut.Json);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(message)), cut.Json);
        Assert.True(proxy.Store.GetRaw(session.Id, Protocol.Direction.Client).Length < message.Length);
    }

    [Fact]
    public async Task IdleTimeout_WhenAskedFor_ClosesQuietSessions()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--idle-timeout", "1s");

        using var raw = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token);
        await raw.ReadLineAsync(cts.Token);
        var rest = await raw.ReadToEndAsync(cts.Token);

        Assert.Equal("", rest);
        await proxy.WaitForSessionsToCloseAsync();
        Assert.Equal("idle-timeout", Assert.Single(proxy.Store.GetSessions(1)).CloseReason);
    }

    private async Task AssertStillServesAsync(ProxyHarness proxy, CancellationToken ct)
    {
        using var client = await proxy.ConnectAsync(DovecotUser.Bob, SecureSocketOptions.SslOnConnect, ct);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly, ct);
        await client.DisconnectAsync(true, ct);
    }
}
