using System.Net.Sockets;
using System.Text;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Faults;

/// <summary>Without fault rules the relay holds nothing: a response still coming reaches the client as it comes.</summary>
[Collection(DovecotCollection.Name)]
public sealed class NoRulePathTests(DovecotFixture fixture)
{
    [Fact]
    public async Task NoRules_AResponseInProgress_ReachesTheClientBeforeItsEnd()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var upstream = new FakeUpstream();
        var firstHalfSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = upstream.ServeOneAsync(async socket =>
        {
            await SendAsync(socket, "* OK ready\r\n", cts.Token);
            await ReceiveLineAsync(socket, cts.Token);
            await SendAsync(socket, "* 1 FETCH (BODY[] {10}\r\nhello", cts.Token);
            // The rest only once the client has the start: a relay that held the response until whole never gets here.
            await firstHalfSeen.Task.WaitAsync(cts.Token);
            await SendAsync(socket, "world)\r\na1 OK done\r\n", cts.Token);
            return true;
        }, cts.Token);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "none", "--upstream", $"127.0.0.1:{upstream.Port}");

        using var client = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token);
        Assert.Equal("* OK ready\r\n", await client.ReadLineAsync(cts.Token));
        await client.WriteAsync("a1 FETCH 1 BODY[]\r\n", cts.Token);
        Assert.Equal("* 1 FETCH (BODY[] {10}\r\n", await client.ReadLineAsync(cts.Token));
        firstHalfSeen.SetResult();

        Assert.Equal("helloworld)\r\n", await client.ReadLineAsync(cts.Token));
        Assert.Equal("a1 OK done\r\n", await client.ReadLineAsync(cts.Token));
        Assert.True(await script);
    }

    private static async Task SendAsync(Socket socket, string text, CancellationToken ct) =>
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, ct);

    private static async Task ReceiveLineAsync(Socket socket, CancellationToken ct)
    {
        var one = new byte[1];
        while (await socket.ReceiveAsync(one, SocketFlags.None, ct) == 1 && one[0] != '\n') { }
    }
}
