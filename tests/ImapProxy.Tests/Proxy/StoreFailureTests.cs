using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ImapProxy.Recording.Events;
using ImapProxy.Storage;
using ImapProxy.Storage.Writing;
using ImapProxy.Storage.Sqlite;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace ImapProxy.Tests.Proxy;

/// <summary>
/// What hostile testing broke: a full disk took the whole process down (the next connection could not get a
/// session id), and a killed proxy left its sessions "live" forever. Real Dovecot, real MailKit, a real tmpfs.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class StoreFailureTests(DovecotFixture dovecot)
{
    [Fact]
    public async Task FullDisk_RelayingGoesOn_TheStatusSaysSo_AndCaptureResumesWhenSpaceReturns()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout * 3);
        await using var disk = await SmallDisk.MountAsync(24, cts.Token);
        {
            // In a block of its own: the proxy stops before the disk is unmounted.
            await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit", "--data", Path.Combine(disk.Path, "data"));
            var writer = proxy.Services.GetRequiredService<EventStoreWriter>();
            var folderName = $"fulldisk-{Guid.NewGuid():N}"[..20];
            var message = Messages.WithAttachment("a message to fetch on a full disk", 3_000_000);

            // A bystander that idles through it all, and a folder with a large message, while there is room.
            using var bystander = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token);
            var folder = (await bystander.GetFolder(bystander.PersonalNamespaces[0]).CreateAsync(folderName, true, cts.Token))!;
            await folder.AppendAsync(MimeMessage.Load(new MemoryStream(message)), cancellationToken: cts.Token);
            await folder.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            using var stopIdle = new CancellationTokenSource();
            var idle = bystander.IdleAsync(stopIdle.Token, cts.Token);
            await proxy.FlushStoreAsync();

            var filler = disk.Fill();

            // New sessions on the full disk: each logs in and fetches the large message, as if nothing happened.
            for (var i = 0; i < 3; i++) await FetchAsync(proxy, folderName, message.Length, cts.Token);
            // Small batches may still fit where large ones do not, so the state can flap; what was lost only grows.
            while (writer.EventsLost == 0) await Task.Delay(50, cts.Token);
            Assert.Contains("the disk is full", writer.LastProblem);
            using var http = new HttpClient { BaseAddress = proxy.Dashboard };
            var health = await http.GetFromJsonAsync<JsonElement>("api/health", cts.Token);
            Assert.True(health.GetProperty("eventsLost").GetInt64() > 0, health.ToString());

            // Room again: capture resumes by itself, and says what it lost.
            File.Delete(filler);
            await FetchAsync(proxy, folderName, message.Length, cts.Token);
            while (!writer.Health.Writing) await Task.Delay(50, cts.Token);
            var counters = proxy.Services.GetRequiredService<ImapProxy.Capture.Relay.ProxyCounters>();
            while (counters.ActiveSessions > 1) await Task.Delay(10, cts.Token); // all but the bystander have closed
            await proxy.FlushStoreAsync();
            var sessions = proxy.Store.GetSessions(20);
            Assert.Contains(sessions, s => s.CaptureIncomplete && s.DroppedEvents > 0);
            Assert.Contains(sessions, s => s is { EndedAt: not null, CaptureIncomplete: false, User: "alice" } && s.Id == sessions.Max(x => x.Id));

            // The bystander never noticed.
            await stopIdle.CancelAsync();
            await idle;
            await bystander.NoOpAsync(cts.Token);
            await bystander.DisconnectAsync(true, cts.Token);
        }
    }

    [Fact]
    public async Task KilledProxy_ItsOpenSessionsAreClosedByTheNextStart()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout * 2);
        var root = Directory.CreateTempSubdirectory("imapproxy-kill-").FullName;
        var data = Path.Combine(root, "data");
        var first = StartProcess(root, data);
        try
        {
            var tlsPort = await ReadTlsPortAsync(first, cts.Token);
            using var client = new ImapClient { CheckCertificateRevocation = false, ServerCertificateValidationCallback = (_, _, _, _) => true };
            await client.ConnectAsync("127.0.0.1", tlsPort, SecureSocketOptions.SslOnConnect, cts.Token);
            await client.AuthenticateAsync(DovecotUser.Alice.Name, DovecotUser.Alice.Password, cts.Token);
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            using (var store = new SqliteEventStore(new StorageOptions { DataDirectory = data }))
                while (store.GetSessions(1) is not [{ User: "alice" }]) await Task.Delay(50, cts.Token);

            Libc.Signal(first.Id, Libc.SigKill);
            await first.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!first.HasExited) first.Kill();
        }

        var second = StartProcess(root, data);
        try
        {
            await ReadTlsPortAsync(second, cts.Token);
            using var store = new SqliteEventStore(new StorageOptions { DataDirectory = data });
            var session = store.GetSessions(1).Single();
            Assert.Equal(("proxy-stopped", true), (session.CloseReason, session.CaptureIncomplete));
            Assert.NotNull(session.EndedAt);
            Assert.IsType<SessionClosed>(store.GetEvents(session.Id, 0, 10_000)[^1].ReadEvent());
        }
        finally
        {
            Libc.Signal(second.Id, Libc.SigTerm);
            await second.WaitForExitAsync(cts.Token);
            Directory.Delete(root, recursive: true);
        }
    }

    private Process StartProcess(string root, string data)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var arg in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "imapproxy.dll"), $"--upstream={DovecotServer.Host}:{dovecot.Server.ImapsPort}",
                     "--upstream-tls=implicit", "--upstream-insecure", "--listen=127.0.0.1:0", "--listen-tls=127.0.0.1:0",
                     "--dashboard=http://127.0.0.1:0", $"--data={data}", $"--ca-dir={Path.Combine(root, "certs")}",
                 })
            start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    private static async Task<int> ReadTlsPortAsync(Process process, CancellationToken ct)
    {
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(ct) ?? throw new InvalidOperationException(await process.StandardError.ReadToEndAsync(ct));
            if (line.Contains(" (Tls) for ", StringComparison.Ordinal)) return int.Parse(line.Split("127.0.0.1:")[1].Split(' ')[0]);
        }
    }

    private static async Task FetchAsync(ProxyHarness proxy, string folderName, int length, CancellationToken ct)
    {
        using var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, ct);
        var folder = await client.GetFolderAsync(folderName, ct);
        await folder.OpenAsync(FolderAccess.ReadOnly, ct);
        using var fetched = await folder.GetStreamAsync(0, "", ct);
        Assert.Equal(length, fetched.Length);
        await client.DisconnectAsync(true, ct);
    }
}
