using ImapProxy.Recording.Events;
using ImapProxy.Storage;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Proxy;

/// <summary>
/// Issue 15, item 11: the client's TLS offer, as real clients make it: what they asked for (SNI, ALPN), their JA4, and
/// why a handshake failed when the offer says it.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class ClientHelloTests(DovecotFixture fixture)
{
    private DovecotServer Dovecot => fixture.Server;

    [Fact]
    public async Task PythonClient_ItsSniAlpnAndRandom_AreRecorded()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");
        var keyLog = Path.Combine(proxy.DataDirectory, "python-keys.log");
        // Python writes its own key log: its lines start with the client random its ClientHello carried.
        var script = $$"""
            import socket, ssl
            context = ssl.create_default_context(cafile='{{proxy.Ca.CertificatePemPath}}')
            context.set_alpn_protocols(["imap"])
            context.keylog_filename = '{{keyLog}}'
            with socket.create_connection(("127.0.0.1", {{proxy.TlsPort}})) as raw:
                with context.wrap_socket(raw, server_hostname="mail.example.test") as tls:
                    print(tls.recv(1000).decode().strip())
                    tls.sendall(b"a1 LOGOUT\r\n")
                    print(tls.recv(1000).decode().strip())
            """;

        var result = await ProcessRunner.RunAsync("python3", ["-c", script], ProxyHarness.Timeout, cts.Token);

        Assert.True(result.ExitCode == 0, result.Output);
        await proxy.WaitForSessionsToCloseAsync(started: 1);
        var session = proxy.Store.GetSessions(1).Single();
        Assert.Equal("mail.example.test", session.ClientSni);
        var offer = ClientOffer(proxy, session);
        Assert.Equal("mail.example.test", offer.ServerName);
        Assert.Equal(["imap"], offer.Alpn);
        Assert.Contains("TLS 1.3", offer.Versions);
        // JA4: TCP, TLS 1.3, a domain, then counts, then "ip" (imap's first and last characters).
        Assert.Matches("^t13d[0-9]{4}ip_[0-9a-f]{12}_[0-9a-f]{12}$", offer.Ja4);
        Assert.Equal(offer.Ja4, session.ClientJa4);
        // "LABEL client_random secret" lines (NSS key log format); Python starts the file with a "#" comment.
        // The upstream leg's hello is the proxy's own: to 127.0.0.1, so without SNI.
        var own = proxy.Store.GetEvents(session.Id, 0, 1000).Select(e => e.ReadEvent()).OfType<TlsHandshake>().Single(t => t.Leg == TlsLeg.Upstream).ClientHello!;
        Assert.Null(own.ServerName);
        Assert.StartsWith("t13i", own.Ja4);
        Assert.NotEqual(offer.Random, own.Random);
        var randoms = File.ReadAllLines(keyLog).Where(line => !line.StartsWith('#')).Select(line => line.Split(' ')[1]).Distinct();
        Assert.Equal([offer.Random], randoms);
    }

    [Fact]
    public async Task ClientOfferingOnlyTls10_IsToldSo()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");

        // SECLEVEL=0 lets this OpenSSL send a TLS 1.0 hello at all; the proxy's refuses it (TLS 1.2 and 1.3 only).
        var result = await ProcessRunner.RunAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{proxy.TlsPort}", "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0", "-noservername"],
            ProxyHarness.Timeout, cts.Token);

        Assert.NotEqual(0, result.ExitCode);
        await proxy.WaitForSessionsToCloseAsync(started: 1);
        var session = proxy.Store.GetSessions(1).Single();
        Assert.Equal("client-tls-failed", session.CloseReason);
        Assert.StartsWith("the client offered only TLS 1.0 (", session.CloseDetail);
        Assert.EndsWith("): the proxy accepts TLS 1.2 and 1.3; update the client or enable TLS 1.2 in its settings", session.CloseDetail);
        var offer = ClientOffer(proxy, session);
        Assert.Equal(["TLS 1.0"], offer.Versions);
        Assert.Null(offer.ServerName);
        Assert.StartsWith("t10i", offer.Ja4);
    }

    [Fact]
    public async Task PlaintextClientOnTheTlsListener_IsToldSo()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");

        using (var raw = await RawClient.ConnectAsync(proxy.TlsPort, cts.Token))
        {
            await raw.WriteAsync("a1 CAPABILITY\r\n", cts.Token);
            await raw.ReadToEndAsync(cts.Token);
        }

        await proxy.WaitForSessionsToCloseAsync(started: 1);
        var session = proxy.Store.GetSessions(1).Single();
        Assert.StartsWith("the client spoke plaintext on a TLS connection (\"a1 CAPABILITY\"): point it at the plaintext listener", session.CloseDetail);
        Assert.Null(session.ClientJa4);
    }

    private static TlsClientOffer ClientOffer(ProxyHarness proxy, SessionRow session) =>
        proxy.Store.GetEvents(session.Id, 0, 1000).Select(e => e.ReadEvent()).OfType<TlsHandshake>().Single(t => t.Leg == TlsLeg.Client).ClientHello!;
}
