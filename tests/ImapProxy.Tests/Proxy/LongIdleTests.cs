using System.Diagnostics;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Security;
using MimeKit;

namespace ImapProxy.Tests.Proxy;

/// <summary>
/// IDLE is how real clients spend most of their connection: minutes with no command, the server speaking when
/// mail arrives. The relay must neither time it out nor lose what the server pushes in the meantime.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class LongIdleTests(DovecotFixture fixture)
{
    // Long enough to outlast the client's and the proxy's usual 60 s timeouts, short enough for every test run.
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(2);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task IdleHeldTwoMinutes_RelaysAnUpdateInTheMiddle_ThenDoneAndNoopSucceed()
    {
        using var cts = new CancellationTokenSource(Hold + ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var folderName = $"long-idle-{Guid.NewGuid():N}";
        using var watcher = await proxy.ConnectAsync(DovecotUser.Bob, SecureSocketOptions.SslOnConnect, cts.Token);
        // MailKit's per-read timeout (60 s from the harness) would end a quiet IDLE on the client side; what is
        // under test is the proxy, so the client waits as long as the test does.
        watcher.Timeout = (int)(Hold + ProxyHarness.Timeout).TotalMilliseconds;
        var folder = (await watcher.GetFolder(watcher.PersonalNamespaces[0]).CreateAsync(folderName, true, cts.Token))!;
        await folder.OpenAsync(FolderAccess.ReadOnly, cts.Token);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        folder.CountChanged += (_, _) => arrived.TrySetResult();

        using var done = new CancellationTokenSource();
        var held = Stopwatch.StartNew();
        var idle = watcher.IdleAsync(done.Token, cts.Token);
        // The waits are the subject here (an IDLE that lasts), not synchronisation: the update is awaited by event.
        await Task.Delay(Hold / 2, cts.Token);
        Assert.False(idle.IsCompleted, "the IDLE ended before the update");

        // A second session, directly on Dovecot, delivers a message into the watched folder.
        using (var other = await fixture.Server.ConnectAsync(DovecotUser.Bob, ct: cts.Token))
        {
            var target = await other.GetFolderAsync(folderName, cts.Token);
            await target.AppendAsync(MimeMessage.Load(new MemoryStream(SampleMessages.Text("mid-idle", "pushed"))), cancellationToken: cts.Token);
            await other.DisconnectAsync(true, cts.Token);
        }
        await arrived.Task.WaitAsync(cts.Token);
        Assert.Equal(1, folder.Count);

        await Task.Delay(Hold - held.Elapsed is var rest && rest > TimeSpan.Zero ? rest : TimeSpan.Zero, cts.Token);
        Assert.False(idle.IsCompleted, "the IDLE ended before DONE");
        await done.CancelAsync();
        await idle;
        var clientHeld = held.Elapsed;
        await watcher.NoOpAsync(cts.Token);
        await watcher.DisconnectAsync(true, cts.Token);

        await proxy.WaitForSessionsToCloseAsync();
        var session = Assert.Single(proxy.Store.GetSessions(10));
        Assert.False(session.CaptureIncomplete);
        var events = proxy.Store.GetEvents(session.Id, 0, 10_000);
        var idleCompleted = Assert.Single(events, e => e.Type == "command-completed" && e.Name == "IDLE");
        Assert.Equal("ok", idleCompleted.Status);
        // The proxy sees IDLE a little after the client's stopwatch starts and its completion a little before the
        // client does, so the stored latency sits inside the client's own span, within a second of the planned hold.
        Assert.InRange(idleCompleted.Latency ?? TimeSpan.Zero, Hold - TimeSpan.FromSeconds(1), clientHeld);
        Assert.Contains(events, e => e.Type == "frame" && e.Json.Contains("\"idle-done\""));
        // The EXISTS was pushed while the IDLE was open: after the IDLE command, before its completion.
        var idleCommand = Assert.Single(events, e => e.Type == "frame" && e.Kind == "command" && e.Name == "IDLE");
        Assert.Contains(events, e => e.Type == "frame" && e.Json.Contains("\"name\":\"EXISTS\"")
            && e.Sequence > idleCommand.Sequence && e.Sequence < idleCompleted.Sequence);
        Assert.Contains(events, e => e.Type == "command-completed" && e.Name == "NOOP" && e.Status == "ok"
            && e.Sequence > idleCompleted.Sequence);
    }
}
