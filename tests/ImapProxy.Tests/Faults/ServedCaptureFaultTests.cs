using System.Net;
using ImapProxy.Capture.Faults;
using ImapProxy.Faults;
using ImapProxy.Recording.Events;
using ImapProxy.Replay.Server;
using ImapProxy.Tests.Replay;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace ImapProxy.Tests.Faults;

/// <summary>A captured session served with one answer falsified: no server at all, the fault recorded as with a live one.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ServedCaptureFaultTests(DovecotFixture fixture)
{
    [Fact]
    public async Task ServedCapture_WithAStatusFault_MailKitGetsTheNo()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var captured = ReplayScenario.Captured(proxy, await proxy.RecordSessionAsync(cts.Token));
        var faults = new FaultRuleSet([FaultRuleParser.Parse("cmd:EXAMINE => status NO \"served fault\"")]);

        await using (var server = CaptureServer.Start(captured, new ServeOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Faults = faults },
                         ReplayScenario.Recorder(proxy)))
        {
            using var client = new ImapClient { Timeout = 30_000 };
            await client.ConnectAsync("127.0.0.1", server.EndPoint.Port, SecureSocketOptions.None, cts.Token);
            await client.AuthenticateAsync("alice", "any", cts.Token);
            var refused = await Assert.ThrowsAsync<ImapCommandException>(() => client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token));
            Assert.Equal("served fault", refused.ResponseText);
        }

        await proxy.FlushStoreAsync();
        var served = proxy.Store.GetSessions(10).Single(s => s.Upstream == $"capture of session {captured.Id}");
        Assert.True(served.Altered);
        var fault = proxy.Store.GetEvents(served.Id, 0, 1000).Select(e => e.ReadEvent()).OfType<ProxyAction>().Single(a => a.Action == ProxyAction.Fault);
        Assert.Contains(" OK [READ-ONLY]", fault.Original);
        Assert.EndsWith(@" NO served fault\r\n", fault.Bytes);
    }
}
