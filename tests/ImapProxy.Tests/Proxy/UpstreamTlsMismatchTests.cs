using System.Net.Sockets;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Proxy;

/// <summary>
/// Issue 15, item 1: --upstream 127.0.0.1:10993 (implicit TLS on a port other than 993) made auto choose STARTTLS;
/// clients got nothing for 30 s and the session said only "client-closed, 0 bytes". The mistake, and its reverse,
/// is now said to the client (a BYE), in the session (an event and the close reason) and in the log.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class UpstreamTlsMismatchTests(DovecotFixture fixture)
{
    private const string UseImplicit = "the server speaks TLS from the first byte: use --upstream-tls implicit";

    private DovecotServer Dovecot => fixture.Server;

    [Fact]
    public async Task ImplicitTlsServerUnderAuto_OnAPortOtherThan993_IsToldToImaplib_TheSessionAndTheLog()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "auto", "--upstream", $"127.0.0.1:{Dovecot.ImapsPort}");

        var (_, output) = await ProcessRunner.RunAsync("python3", ["-c", $"""
            import imaplib
            try:
                imaplib.IMAP4('127.0.0.1', {proxy.PlainPort}, timeout=30)
            except Exception as e:
                print(type(e).__name__, e)
            """], ProxyHarness.Timeout, cts.Token);

        Assert.Contains($"BYE [UNAVAILABLE] ImapProxy: {UseImplicit}", output);
        await AssertSaidAsync(proxy, UseImplicit, cts.Token);
    }

    [Fact]
    public async Task ImplicitTlsServerUnderStartTls_OnTheTlsListener_IsToldInTheBye()
    {
        // The proxy itself waits for the greeting here, to send STARTTLS upstream after it.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "starttls", "--upstream", $"127.0.0.1:{Dovecot.ImapsPort}");

        using (var raw = await RawClient.ConnectAsync(proxy.TlsPort, cts.Token))
        {
            await raw.StartTlsAsync(proxy.TrustProxyCa, cts.Token);
            Assert.Equal($"* BYE [UNAVAILABLE] ImapProxy: {UseImplicit}\r\n", await raw.ReadLineAsync(cts.Token));
        }
        await AssertSaidAsync(proxy, UseImplicit, cts.Token);
    }

    [Fact]
    public async Task UpstreamAnsweringWithATlsRecord_IsNotRelayed_ButSaid()
    {
        // A client that speaks first gets a TLS alert back from an implicit-TLS server: a record, not a greeting.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var upstream = new FakeUpstream();
        var serve = upstream.ServeOneAsync(async socket =>
        {
            var buffer = new byte[1024];
            await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            await socket.SendAsync(new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46 }, SocketFlags.None, cts.Token);
            return true;
        }, cts.Token);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "starttls", "--upstream", $"127.0.0.1:{upstream.Port}");

        using (var raw = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token))
        {
            await raw.WriteAsync("a1 CAPABILITY\r\n", cts.Token);
            Assert.Equal($"* BYE [UNAVAILABLE] ImapProxy: {UseImplicit}\r\n", await raw.ReadToEndAsync(cts.Token));
        }
        Assert.True(await serve);
        await AssertSaidAsync(proxy, UseImplicit, cts.Token);
    }

    [Fact]
    public async Task PlaintextServerUnderImplicit_IsToldToCurl_TheSessionAndTheLog()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--upstream", $"127.0.0.1:{Dovecot.ImapPort}");

        var (_, output) = await ProcessRunner.RunAsync("curl", ["-sv", "--max-time", "30", $"imap://127.0.0.1:{proxy.PlainPort}/"],
            ProxyHarness.Timeout, cts.Token);

        const string useStartTls = "use --upstream-tls starttls or none";
        Assert.Contains("< * BYE [UNAVAILABLE] ImapProxy: the server speaks plaintext IMAP from the first byte (it greeted \"* OK ", output);
        Assert.Contains(useStartTls, output);
        await AssertSaidAsync(proxy, useStartTls, cts.Token);
    }

    private static async Task AssertSaidAsync(ProxyHarness proxy, string words, CancellationToken ct)
    {
        await proxy.WaitForSessionsToCloseAsync(started: 1);
        var session = Assert.Single(proxy.Store.GetSessions(1));
        Assert.Equal("upstream-tls-mismatch", session.CloseReason);
        Assert.Contains(words, session.CloseDetail);
        var events = proxy.Store.GetEvents(session.Id, 0, 100);
        Assert.Contains(events, e => e.Type == "proxy-action" && e.Name == "upstream-tls-mismatch" && e.Json.Contains(words));
        var logs = Directory.GetFiles(Path.Combine(proxy.DataDirectory, "logs"));
        var logged = false;
        foreach (var log in logs)
        {
            await using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            logged |= (await new StreamReader(stream).ReadToEndAsync(ct)).Contains(words);
        }
        Assert.True(logged, $"the log does not say \"{words}\"");
    }
}
