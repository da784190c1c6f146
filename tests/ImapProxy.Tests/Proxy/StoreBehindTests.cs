using ImapProxy.Recording.Bus;
using ImapProxy.Storage;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Security;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace ImapProxy.Tests.Proxy;

/// <summary>
/// A transfer faster than the store: by default the relay slows to the store's pace and every byte is kept; with
/// <c>--when-store-behind shed</c> the relay never waits and bytes are lost. The store is made slow on cue by holding
/// its SQLite database's write lock from another connection while a real MailKit client fetches a 4 MB message
/// through a real Dovecot, with the smallest capture queue (1 MiB).
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class StoreBehindTests(DovecotFixture dovecot)
{
    [Fact]
    public async Task ByDefault_AFetchFasterThanTheStore_WaitsForIt_AndEveryByteIsStored()
    {
        var (session, storedServerBytes, message) = await FetchWhileTheStoreIsLockedAsync();

        Assert.False(session.CaptureIncomplete, $"dropped {session.DroppedEvents} events");
        // The server's stream holds the message and the lines around it, every byte of it.
        Assert.InRange(storedServerBytes, message.Length, message.Length + 4_096);
        Assert.Equal(0, session.DroppedEvents);
    }

    [Fact]
    public async Task WhenToldToShed_TheRelayDoesNotWait_AndTheSessionSaysItLostBytes()
    {
        var (session, storedServerBytes, message) = await FetchWhileTheStoreIsLockedAsync("--when-store-behind", "shed");

        Assert.True(session.CaptureIncomplete);
        Assert.True(storedServerBytes < message.Length, $"{storedServerBytes} of {message.Length} stored");
    }

    private async Task<(SessionRow Session, long StoredServerBytes, byte[] Message)> FetchWhileTheStoreIsLockedAsync(params string[] mode)
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit", ["--capture-queue", "1MiB", .. mode]);
        var folderName = $"behind-{Guid.NewGuid():N}"[..20];
        var message = Messages.WithAttachment("fetched while the store is behind", 3_000_000);
        using (var setup = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var created = (await setup.GetFolder(setup.PersonalNamespaces[0]).CreateAsync(folderName, true, cts.Token))!;
            await created.AppendAsync(MimeMessage.Load(new MemoryStream(message)), cancellationToken: cts.Token);
            await setup.DisconnectAsync(true, cts.Token);
        }
        await proxy.WaitForSessionsToCloseAsync();
        await proxy.FlushStoreAsync();

        var bus = proxy.Services.GetRequiredService<EventBus>();
        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var folder = await client.GetFolderAsync(folderName, cts.Token);
            await folder.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            // The session has its id (which takes a write): now the store's writer is stopped by the lock.
            await using var holder = new SqliteConnection($"Data Source={Path.Combine(proxy.DataDirectory, "imapproxy.db")}");
            await holder.OpenAsync(cts.Token);
            using (var transaction = holder.BeginTransaction(deferred: false)) // BEGIN IMMEDIATE: the write lock
            {
                var fetch = folder.GetStreamAsync(0, "", cts.Token);
                // The capture queue fills past half while the writer waits for the lock.
                while (bus.Pressure < EventBus.RoomBelow && !fetch.IsCompleted) await Task.Delay(10, cts.Token);
                transaction.Commit();
                using var fetched = await fetch;
                Assert.Equal(message.Length, fetched.Length);
            }
            await client.DisconnectAsync(true, cts.Token);
        }
        await proxy.WaitForSessionsToCloseAsync();
        await proxy.FlushStoreAsync();

        var session = proxy.Store.GetSessions(10).MaxBy(s => s.Id)!;
        return (session, proxy.Store.GetRaw(session.Id, Protocol.Direction.Server).Length, message);
    }
}
