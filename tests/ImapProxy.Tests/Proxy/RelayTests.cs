using System.Text;
using System.Text.Json;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Rawlog;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace ImapProxy.Tests.Proxy;

/// <summary>A real MailKit client through the real proxy to a real Dovecot, in each TLS arrangement.</summary>
[Collection(DovecotCollection.Name)]
public sealed class RelayTests(DovecotFixture fixture)
{
    private DovecotServer Dovecot => fixture.Server;

    public static TheoryData<string, string, SecureSocketOptions, string[]> Modes() => new()
    {
        { "implicit TLS both legs", "implicit", SecureSocketOptions.SslOnConnect, [] },
        { "STARTTLS mirrored", "starttls", SecureSocketOptions.StartTls, [] },
        { "bridging: plaintext client, TLS upstream", "implicit", SecureSocketOptions.None, ["--client-tls", "none"] },
        { "TLS client, proxy-initiated upstream STARTTLS", "starttls", SecureSocketOptions.SslOnConnect, [] },
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task MailKitSession_GetsWhatItWouldGetDirectly_AndEverythingIsCaptured(string mode, string upstreamTls,
        SecureSocketOptions security, string[] args)
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, upstreamTls, args);
        var folderName = $"relay-{Guid.NewGuid():N}";
        var message = Messages.WithAttachment($"Through the proxy ({mode})", 300 * 1024);

        byte[] fetched;
        IList<string> folderNames;
        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, security, cts.Token))
        {
            var folder = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(folderName, true, cts.Token))!;
            await folder.AppendAsync(MimeMessage.Load(new MemoryStream(message)), MessageFlags.Seen, cts.Token);
            folderNames = (await client.GetFoldersAsync(client.PersonalNamespaces[0], cancellationToken: cts.Token)).Select(f => f.FullName).ToList();
            await folder.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            var uid = (await folder.SearchAsync(SearchQuery.All, cts.Token)).Single();
            using var stream = await folder.GetStreamAsync(uid, "", cts.Token);
            fetched = ReadAll(stream);
            await client.DisconnectAsync(quit: true, cts.Token);
        }

        // What the user notices: the message comes back byte for byte, the new folder is listed.
        Assert.Equal(message, fetched);
        Assert.Contains(folderName, folderNames);

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(10));
        Assert.Equal("alice", session.User);
        Assert.True(session.Commands >= 6, $"{session.Commands} commands recorded");
        Assert.Equal(0, session.Failures);
        Assert.False(session.CaptureIncomplete);
        Assert.Contains(session.CloseReason, new[] { "client-closed", "server-closed" });
        Assert.NotNull(session.UpstreamLegTls);
        Assert.Equal(security != SecureSocketOptions.None, session.ClientLegTls is not null);

        // Every command has its completion, with status and latency.
        var events = proxy.Store.GetEvents(session.Id, 0, 10_000);
        var commands = events.Where(e => e.Type == "frame" && e.Kind == "command").Select(e => e.Offset).ToList();
        var completions = events.Where(e => e.Type == "command-completed").ToList();
        Assert.Equal(commands.Count, completions.Count);
        Assert.All(completions, c => Assert.Equal("ok", c.Status));
        Assert.All(completions, c => Assert.NotNull(c.Latency));

        // The stored client bytes hold the APPEND literal whole and no password anywhere in the database.
        var clientBytes = proxy.Store.GetRaw(session.Id, Direction.Client);
        Assert.True(clientBytes.AsSpan().IndexOf(message.AsSpan(0, 4096)) >= 0, "the APPEND literal is stored");
        await AssertNoSecretsAsync(proxy, DovecotUser.Alice.Password);
    }

    [Fact]
    public async Task QuickRoundTrips_AreRecordedInTheOrderTheyWent()
    {
        // Each direction has its own pump, and an answer comes back within microseconds of its command: the record
        // must still say command, answer, command, answer, with no anomaly.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");
        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            for (var i = 0; i < 300; i++) await client.NoOpAsync(cts.Token);
            await client.DisconnectAsync(quit: true, cts.Token);
        }
        await proxy.WaitForSessionsToCloseAsync();

        var session = Assert.Single(proxy.Store.GetSessions(10));
        Assert.Equal((0, 0, false), (session.Anomalies, session.Failures, session.CaptureIncomplete));
        var turns = proxy.Store.GetEvents(session.Id, 0, 100_000)
            .Where(e => e is { Type: "frame", Kind: "command" } || e.Type == "command-completed")
            .Select(e => (e.Type, e.Tag)).ToList();
        Assert.True(turns.Count(t => t.Type == "frame") >= 303, $"{turns.Count} turns recorded");
        // Every command is followed by its own completion before the next command.
        for (var i = 0; i + 1 < turns.Count; i += 2)
            Assert.Equal((("frame", turns[i].Tag), ("command-completed", turns[i].Tag)), (turns[i], turns[i + 1]));
    }

    [Fact]
    public async Task BytesTheServerReceived_AreTheBytesTheClientSent()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");
        var marker = $"bytes-{Guid.NewGuid():N}";
        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var folder = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(marker, true, cts.Token))!;
            await folder.AppendAsync(MimeMessage.Load(new MemoryStream(Messages.WithAttachment("bytes", 50_000))), cancellationToken: cts.Token);
            await folder.OpenAsync(FolderAccess.ReadWrite, cts.Token);
            await folder.FetchAsync(0, -1, MessageSummaryItems.Full | MessageSummaryItems.UniqueId, cts.Token);
            await client.DisconnectAsync(quit: true, cts.Token);
        }
        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));

        // Dovecot's own record of the session (rawlog, which starts after login) is a suffix of what was captured.
        var rawlog = await Dovecot.WaitForRawlogAsync("alice", marker, cts.Token);
        var serverReceived = Bytes(RawlogFile.Read(await File.ReadAllBytesAsync(rawlog + ".in")));
        var serverSent = Bytes(RawlogFile.Read(await File.ReadAllBytesAsync(rawlog + ".out")));
        Assert.True(serverReceived.Length > 1000);
        Assert.True(proxy.Store.GetRaw(session.Id, Direction.Client).AsSpan().EndsWith(serverReceived), "client bytes differ from what Dovecot received");
        Assert.True(proxy.Store.GetRaw(session.Id, Direction.Server).AsSpan().EndsWith(serverSent), "server bytes differ from what Dovecot sent");
    }

    [Fact]
    public async Task Idle_SeesAnAppendFromAnotherConnection()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");
        var folderName = $"idle-{Guid.NewGuid():N}";
        using var watcher = await proxy.ConnectAsync(DovecotUser.Bob, SecureSocketOptions.SslOnConnect, cts.Token);
        var folder = (await watcher.GetFolder(watcher.PersonalNamespaces[0]).CreateAsync(folderName, true, cts.Token))!;
        await folder.OpenAsync(FolderAccess.ReadOnly, cts.Token);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        folder.CountChanged += (_, _) => arrived.TrySetResult();
        using var done = new CancellationTokenSource();
        var idle = watcher.IdleAsync(done.Token, cts.Token);

        // Another client, directly on Dovecot, delivers a message into the watched folder.
        using (var other = await Dovecot.ConnectAsync(DovecotUser.Bob, ct: cts.Token))
        {
            var target = await other.GetFolderAsync(folderName, cts.Token);
            await target.AppendAsync(MimeMessage.Load(new MemoryStream(SampleMessages.Text("news", "fresh"))), cancellationToken: cts.Token);
        }
        await arrived.Task.WaitAsync(cts.Token);
        await done.CancelAsync();
        await idle;
        await watcher.DisconnectAsync(true, cts.Token);

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));
        var events = proxy.Store.GetEvents(session.Id, 0, 10_000);
        Assert.Contains(events, e => e.Type == "command-completed" && e.Name == "IDLE" && e.Status == "ok");
        Assert.Contains(events, e => e.Type == "frame" && e.Json.Contains("\"idle-done\""));
        Assert.Contains(events, e => e.Type == "frame" && e.Json.Contains("\"name\":\"EXISTS\""));
    }

    [Fact]
    public async Task Compress_IsRelayed_AndTheCaptureInflatesItsOwnCopy()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");
        var folderName = $"zip-{Guid.NewGuid():N}";
        var message = Messages.WithAttachment("compressed", 120_000);
        byte[] fetched;
        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            await client.CompressAsync(cts.Token);
            var folder = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(folderName, true, cts.Token))!;
            await folder.AppendAsync(MimeMessage.Load(new MemoryStream(message)), cancellationToken: cts.Token);
            await folder.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            using var stream = await folder.GetStreamAsync((await folder.SearchAsync(SearchQuery.All, cts.Token))[0], "", cts.Token);
            fetched = ReadAll(stream);
            await client.DisconnectAsync(true, cts.Token);
        }
        Assert.Equal(message, fetched);

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(1));
        var events = proxy.Store.GetEvents(session.Id, 0, 10_000);
        Assert.Equal(2, events.Count(e => e.Type == "frame" && e.Kind == "transport" && e.Json.Contains("\"deflate\"")));
        // Commands after COMPRESS were parsed from the inflated bytes.
        Assert.Contains(events, e => e.Type == "command-completed" && e.Name == "APPEND" && e.Status == "ok");
        Assert.Contains(events, e => e.Type == "command-completed" && e.Name == "UID FETCH");
        Assert.True(proxy.Store.GetRaw(session.Id, Direction.Server).AsSpan().IndexOf(message.AsSpan(0, 4096)) >= 0, "the inflated FETCH literal is stored");
        Assert.DoesNotContain(events, e => e.Json.Contains("deflate-corrupt"));
    }

    internal static async Task AssertNoSecretsAsync(ProxyHarness proxy, string password)
    {
        await proxy.FlushStoreAsync();
        var needles = new[] { password, Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0alice\0{password}")) }
            .Select(Encoding.UTF8.GetBytes).ToList();
        foreach (var file in Directory.EnumerateFiles(proxy.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var needle in needles)
                Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{Path.GetFileName(file)} contains a secret");
        }
    }

    private static byte[] Bytes(IEnumerable<RawlogLine> lines) => lines.SelectMany(l => l.Bytes).ToArray();

    private static byte[] ReadAll(Stream stream)
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
