using System.Net;
using System.Net.Sockets;
using System.Text;
using ImapProxy.Replay.Server;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace ImapProxy.Tests.Replay;

/// <summary>A captured session's server side played to real MailKit clients, without the server.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ServerReplayTests(DovecotFixture fixture)
{
    [Fact]
    public async Task ServedCapture_GivesMailKitTheSameFoldersMessagesFlagsAndBodies()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var folder = await ReplayScenario.CreateFolderAsync(fixture.Server, cts.Token,
            SampleMessages.Text("first", "Hello."), Messages.WithAttachment("second <with attachment>", 20_000));
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var live = "";
        var captured = ReplayScenario.Captured(proxy, await proxy.RecordSessionAsync(cts.Token, async client => live = await ReplayScenario.ObserveAsync(client, folder, cts.Token)));

        await using (var server = CaptureServer.Start(captured, new ServeOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Tls = true, Authority = proxy.Ca },
                         ReplayScenario.Recorder(proxy)))
        {
            using var client = new ImapClient { CheckCertificateRevocation = false, ServerCertificateValidationCallback = proxy.TrustProxyCa, Timeout = 30_000 };
            await client.ConnectAsync("127.0.0.1", server.EndPoint.Port, SecureSocketOptions.SslOnConnect, cts.Token);
            // The capture holds no password, and the served session asks for none: any will do.
            await client.AuthenticateAsync("alice", "not-the-password", cts.Token);
            var served = await ReplayScenario.ObserveAsync(client, folder, cts.Token);

            Assert.Equal(live, served);
            Assert.Contains("second <with attachment>", served);
        }
        await proxy.FlushStoreAsync();
        var recorded = proxy.Store.GetSessions(10).Single(s => s.Upstream == $"capture of session {captured.Id}");
        Assert.Equal((captured.Exchanges.Count, 0L, "server-closed"), (recorded.Commands, recorded.Failures, recorded.CloseReason));
        // The served leg was TLS from the first byte, and the session says so (issue 15: shown as "none / none").
        Assert.StartsWith("Tls1", recorded.ClientLegTls);
        Assert.Null(recorded.UpstreamLegTls);
    }

    [Fact]
    public async Task CommandThatMatchesNothing_GetsABadThatSaysWhy_AndIsRecorded()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var captured = ReplayScenario.Captured(proxy, await proxy.RecordSessionAsync(cts.Token, _ => Task.CompletedTask));

        await using (var server = CaptureServer.Start(captured, new ServeOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) }, ReplayScenario.Recorder(proxy)))
        using (var raw = await RawClient.ConnectAsync(server.EndPoint.Port, cts.Token))
        {
            Assert.StartsWith("* OK", await raw.ReadLineAsync(cts.Token));
            await raw.WriteAsync("x1 DELETE nothing\r\n", cts.Token);
            var answer = await raw.ReadLineAsync(cts.Token);
            Assert.StartsWith("x1 BAD [CLIENTBUG] ImapProxy server replay: no captured command matches DELETE; the capture's next command is", answer);
            await raw.WriteAsync($"x2 {captured.Exchanges[^1].Name}\r\n", cts.Token); // LOGOUT, as captured
            var end = await raw.ReadToEndAsync(cts.Token);
            Assert.Contains("* BYE", end);
            Assert.Contains("x2 OK", end);
        }
        await proxy.FlushStoreAsync();
        var recorded = proxy.Store.GetSessions(10).Single(s => s.Upstream == $"capture of session {captured.Id}");
        Assert.Contains(proxy.Store.GetEvents(recorded.Id, 0, 1000), e => e.Type == "proxy-action" && e.Json.Contains("serve-mismatch"));
    }

    [Fact]
    public async Task BrokenServerResponse_ReproducesTheClientsErrorEveryTime()
    {
        // A scripted upstream: Dovecot cannot be told to send a malformed FETCH.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var upstream = new TcpListener(IPAddress.Loopback, 0);
        upstream.Start();
        var script = Task.Run(() => BrokenServerAsync(upstream, cts.Token));
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "none", "--upstream", $"127.0.0.1:{((IPEndPoint)upstream.LocalEndpoint).Port}");

        var original = await FailingFetchAsync(proxy.PlainPort, cts.Token);
        await script;
        await proxy.WaitForSessionsToCloseAsync();
        var captured = ReplayScenario.Captured(proxy, proxy.Store.GetSessions(1).Single().Id);

        await using var server = CaptureServer.Start(captured, new ServeOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) }, ReplayScenario.Recorder(proxy));
        var first = await FailingFetchAsync(server.EndPoint.Port, cts.Token);
        var second = await FailingFetchAsync(server.EndPoint.Port, cts.Token);

        Assert.Equal(original, first);
        Assert.Equal(original, second);
        Assert.Contains("abc", original);
    }

    /// <summary>MailKit's error on fetching from INBOX: its type and message.</summary>
    private static async Task<string> FailingFetchAsync(int port, CancellationToken ct)
    {
        using var client = new ImapClient { Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None, ct);
        await client.AuthenticateAsync("alice", "secret", ct);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly, ct);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, ct));
        return $"{error.GetType().Name}: {error.Message}";
    }

    /// <summary>Answers one client well, except FETCH: RFC822.SIZE is not a number.</summary>
    private static async Task BrokenServerAsync(TcpListener listener, CancellationToken ct)
    {
        using var socket = await listener.AcceptSocketAsync(ct);
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        async Task Send(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text), ct);
        await Send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] scripted\r\n");
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var parts = line.Split(' ', 3);
            var tag = parts[0];
            var command = parts.Length > 1 ? parts[1].ToUpperInvariant() : "";
            if (command == "UID" && parts.Length > 2) command = parts[2].Split(' ')[0].ToUpperInvariant();
            await Send(command switch
            {
                "CAPABILITY" => $"* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n{tag} OK done\r\n",
                "NAMESPACE" => $"* NAMESPACE ((\"\" \".\")) NIL NIL\r\n{tag} OK done\r\n",
                "LIST" => $"* LIST (\\HasNoChildren) \".\" INBOX\r\n{tag} OK done\r\n",
                "EXAMINE" or "SELECT" => $"* 1 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen)\r\n* OK [UIDVALIDITY 5] ok\r\n* OK [UIDNEXT 2] ok\r\n{tag} OK [READ-ONLY] done\r\n",
                "FETCH" => $"* 1 FETCH (UID 1 RFC822.SIZE abc)\r\n{tag} OK done\r\n",
                "LOGOUT" => $"* BYE bye\r\n{tag} OK done\r\n",
                _ => $"{tag} OK done\r\n",
            });
            if (command == "LOGOUT") break;
        }
    }
}
