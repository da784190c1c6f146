using System.Diagnostics;
using ImapProxy.Protocol;
using ImapProxy.Recording.Events;
using ImapProxy.Storage;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace ImapProxy.Tests.Faults;

/// <summary>
/// Each action through the proxy to the real Dovecot, as a real client sees it (MailKit's exception or data, imaplib's
/// error, curl's exit code), and as the store records it: a proxy action "fault" with both sides, the session altered,
/// the server's own answer still the server's.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class FaultRelayTests(DovecotFixture fixture)
{
    private DovecotServer Dovecot => fixture.Server;

    [Fact]
    public async Task Status_MailKitGetsTheNo_TheStoreKeepsTheServersOk_TimesOnce()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--fault", "cmd:EXAMINE => status NO \"[UNAVAILABLE] try later\" times 1");
        var folder = await SeedAsync(proxy, "status", 100, cts.Token);

        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var mailbox = await client.GetFolderAsync(folder, cts.Token);
            var refused = await Assert.ThrowsAsync<ImapCommandException>(() => mailbox.OpenAsync(FolderAccess.ReadOnly, cts.Token));
            Assert.Equal(ImapCommandResponse.No, refused.Response);
            Assert.Equal("try later", refused.ResponseText);
            // times 1: the second EXAMINE gets the server's answer.
            await mailbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            Assert.Equal(1, mailbox.Count);
            await client.DisconnectAsync(true, cts.Token);
        }

        var (session, faults) = await AlteredSessionAsync(proxy);
        var fault = Assert.Single(faults);
        Assert.Contains(" OK [READ-ONLY]", fault.Original);
        Assert.EndsWith(@" NO [UNAVAILABLE] try later\r\n", fault.Bytes);
        var completions = Events(proxy, session).OfType<CommandCompleted>().Where(c => c.Command == "EXAMINE").ToList();
        Assert.Equal([ResponseStatus.Ok, ResponseStatus.Ok], completions.Select(c => c.Status));
        Assert.All(completions, c => Assert.Equal(EventSource.Server, c.Source));
        Assert.False(proxy.Store.GetSessions(10).Single(s => s.Id != session.Id && s.User == "alice").Altered);
    }

    [Fact]
    public async Task LiteralTruncate_MailKitGetsTheShortBody()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--fault", "cmd:FETCH => literal truncate 20");
        var folder = await SeedAsync(proxy, "truncate", 500, cts.Token);

        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var mailbox = await client.GetFolderAsync(folder, cts.Token);
            await mailbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            await using var body = await mailbox.GetStreamAsync(0, "", cts.Token);
            Assert.Equal(20, body.Length);
            await client.DisconnectAsync(true, cts.Token);
        }

        var (_, faults) = await AlteredSessionAsync(proxy);
        var fault = Assert.Single(faults);
        Assert.Contains("cut literals to 20 bytes", fault.Description);
        Assert.Matches(@"\{[0-9]{3}\}\\r\\nReturn-Path|\{[0-9]{3}\}\\r\\n", fault.Original);
        Assert.Contains(@"{20}\r\n", fault.Bytes);
    }

    [Fact]
    public async Task Rfc822Size_MailKitSeesTheFalseSize()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--fault", "cmd:FETCH => rfc822-size =7");
        var folder = await SeedAsync(proxy, "size", 300, cts.Token);

        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var mailbox = await client.GetFolderAsync(folder, cts.Token);
            await mailbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            var summary = Assert.Single(await mailbox.FetchAsync(0, -1, MessageSummaryItems.Size, cts.Token));
            Assert.Equal(7u, summary.Size);
            await client.DisconnectAsync(true, cts.Token);
        }

        var (_, faults) = await AlteredSessionAsync(proxy);
        Assert.Contains("RFC822.SIZE 7", Assert.Single(faults).Bytes);
        Assert.DoesNotContain("RFC822.SIZE 7", faults[0].Original);
    }

    [Fact]
    public async Task LiteralCorrupt_ImaplibGetsTheComplementedBytes()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "starttls", "--fault", "cmd:FETCH => literal corrupt");
        var folder = await SeedAsync(proxy, "corrupt", 100, cts.Token);

        var result = await PythonAsync(proxy, folder, """
            typ, data = imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            body = data[0][1]
            print("readable" if b"Subject" in body else "garbage", bytes(255 - b for b in body).decode().strip())
            """, cts.Token);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("garbage Subject: seeded for corrupt", result.Output.Trim());
        var (_, faults) = await AlteredSessionAsync(proxy);
        Assert.Contains("corrupted literal bytes", Assert.Single(faults).Description);
    }

    [Fact]
    public async Task Inject_ImaplibAbortsOnTheBye()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "starttls", "--fault", "cmd:NOOP => inject \"* BYE shutting down\"");
        var folder = await SeedAsync(proxy, "inject", 100, cts.Token);

        var result = await PythonAsync(proxy, folder, """
            try:
                imap.noop()
                print("no error")
            except imaplib.IMAP4.abort as e:
                print("abort:", e)
            """, cts.Token);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("abort:", result.Output);
        Assert.Contains("shutting down", result.Output);
        var (_, faults) = await AlteredSessionAsync(proxy);
        var fault = Assert.Single(faults);
        Assert.Equal(@"* BYE shutting down\r\n", fault.Bytes);
        Assert.Null(fault.Original);
    }

    [Fact]
    public async Task AddCapability_ImaplibSeesIt()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "starttls", "--fault", "dir:server => add-capability X-FAULT-TEST");
        var folder = await SeedAsync(proxy, "addcap", 100, cts.Token);

        var result = await PythonAsync(proxy, folder, """
            imap.capability()
            print("X-FAULT-TEST" in imap.capabilities)
            """, cts.Token);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("True", result.Output.Trim());
        // The seeding session was altered too (every server response is selected): the newest is imaplib's.
        var (_, faults) = await AlteredSessionAsync(proxy, only: false);
        Assert.All(faults, f => Assert.Contains("added the capability X-FAULT-TEST", f.Description));
    }

    [Fact]
    public async Task DropCapability_MailKitDoesNotSeeIdle()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--fault", "dir:server => drop-capability IDLE");

        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            Assert.False(client.Capabilities.HasFlag(ImapCapabilities.Idle));
            await client.DisconnectAsync(true, cts.Token);
        }

        var (_, faults) = await AlteredSessionAsync(proxy);
        Assert.Contains(faults, f => f.Original!.Contains(" IDLE") && !f.Bytes!.Contains(" IDLE"));
    }

    [Fact]
    public async Task Close_CurlFailsWithItsExitCode_AndTheSessionSaysWhy()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--fault", "cmd:SELECT|EXAMINE => close");
        var folder = await SeedAsync(proxy, "close", 100, cts.Token);

        var fetch = await ProcessRunner.RunAsync("curl", ["--silent", "--show-error", "--cacert", proxy.Ca.CertificatePemPath,
            "--user", $"alice:{DovecotUser.Alice.Password}", $"imaps://127.0.0.1:{proxy.TlsPort}/{folder};UID=1"], ProxyHarness.Timeout, cts.Token);

        // CURLE_RECV_ERROR: the connection ended while curl waited for the SELECT's answer.
        Assert.True(fetch.ExitCode == 56, fetch.Output);
        var (session, faults) = await AlteredSessionAsync(proxy);
        Assert.Contains("closed the connection before this response", Assert.Single(faults).Description);
        Assert.Equal("fault", session.CloseReason);
    }

    [Fact]
    public async Task CloseAfterBytes_MailKitLosesTheConnectionInsideTheBody()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--fault", "cmd:FETCH => close after 100 bytes");
        var folder = await SeedAsync(proxy, "closeafter", 2000, cts.Token);

        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var mailbox = await client.GetFolderAsync(folder, cts.Token);
            await mailbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            await Assert.ThrowsAsync<ImapProtocolException>(() => mailbox.GetMessageAsync(0, cts.Token));
            Assert.False(client.IsConnected);
        }

        await proxy.WaitForSessionsToCloseAsync();
        var session = proxy.Store.GetSessions(1).Single();
        Assert.True(session.Altered);
        Assert.Equal("fault", session.CloseReason);
        // The store holds the server's whole answer; the client got 100 bytes of it (the bytes relayed to it say so).
        var fromServer = proxy.Store.GetRaw(session.Id, Direction.Server).Length;
        Assert.True(fromServer > 2000, $"{fromServer} bytes stored");
        Assert.InRange(fromServer - session.ServerBytes!.Value, 2000, fromServer);
    }

    [Fact]
    public async Task Delay_HoldsTheCommand_MailKitWaits()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--fault", "cmd:NOOP => delay 1500ms");

        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var clock = Stopwatch.StartNew();
            await client.NoOpAsync(cts.Token);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(1450), ProxyHarness.Timeout);
            await client.DisconnectAsync(true, cts.Token);
        }

        var (_, faults) = await AlteredSessionAsync(proxy);
        Assert.Contains("held the command", Assert.Single(faults).Description);
    }

    [Fact]
    public async Task Bandwidth_SlowsTheAnswer_TheBodyArrivesWhole()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit", "--fault", "cmd:FETCH => bandwidth 20KB/s");
        var folder = await SeedAsync(proxy, "bandwidth", 40_000, cts.Token);

        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var mailbox = await client.GetFolderAsync(folder, cts.Token);
            await mailbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            var clock = Stopwatch.StartNew();
            var message = await mailbox.GetMessageAsync(0, cts.Token);
            // 40 kB at 20 kB/s: two seconds, less the first slice that goes at once.
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.8), ProxyHarness.Timeout);
            Assert.Equal("seeded for bandwidth", message.Subject);
            // Decoded, the body's lines end in LF only: a little under the 40 kB sent.
            var body = Assert.IsType<string>(message.TextBody);
            Assert.True(body.Length > 39_000, $"{body.Length} characters");
            await client.DisconnectAsync(true, cts.Token);
        }

        var (_, faults) = await AlteredSessionAsync(proxy);
        Assert.Contains(faults, f => f.Description.Contains("at 20000 bytes per second"));
    }

    // ---- helpers ----

    /// <summary>A new folder holding one message, made through the proxy (that session is stored too).</summary>
    private static async Task<string> SeedAsync(ProxyHarness proxy, string name, int bodyBytes, CancellationToken ct)
    {
        var folder = $"faults-{name}-{Guid.NewGuid():N}";
        using var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, ct);
        var created = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(folder, true, ct))!;
        await created.AppendAsync(MimeMessage.Load(new MemoryStream(SampleMessages.OfSize($"seeded for {name}", bodyBytes))), cancellationToken: ct);
        await client.DisconnectAsync(true, ct);
        return folder;
    }

    /// <summary>imaplib over STARTTLS, logged in, the folder selected read-only; then <paramref name="work"/>.</summary>
    private static async Task<(int ExitCode, string Output)> PythonAsync(ProxyHarness proxy, string folder, string work, CancellationToken ct)
    {
        var script = $$"""
            import imaplib, ssl
            context = ssl.create_default_context(cafile={{Py(proxy.Ca.CertificatePemPath)}})
            context.check_hostname = False
            imap = imaplib.IMAP4("127.0.0.1", {{proxy.PlainPort}})
            imap.starttls(ssl_context=context)
            imap.login("alice", {{Py(DovecotUser.Alice.Password)}})
            imap.select({{Py(folder)}}, readonly=True)
            {{work}}
            """;
        return await ProcessRunner.RunAsync("python3", ["-c", script], ProxyHarness.Timeout, ct);
    }

    /// <summary>The altered session (the only one, unless not <paramref name="only"/>: the newest), once every session closed, and its fault actions.</summary>
    private static async Task<(SessionRow Session, List<ProxyAction> Faults)> AlteredSessionAsync(ProxyHarness proxy, bool only = true)
    {
        await proxy.WaitForSessionsToCloseAsync();
        var altered = proxy.Store.GetSessions(10).Where(s => s.Altered).ToList();
        var session = only ? Assert.Single(altered) : altered.First();
        return (session, Events(proxy, session).OfType<ProxyAction>().Where(a => a.Action == ProxyAction.Fault).ToList());
    }

    private static IEnumerable<SessionEvent> Events(ProxyHarness proxy, SessionRow session) =>
        proxy.Store.GetEvents(session.Id, 0, 10_000).Select(e => e.ReadEvent());

    private static string Py(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
