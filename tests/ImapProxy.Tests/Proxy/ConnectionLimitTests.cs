using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ImapProxy.Tests.Proxy;

/// <summary>
/// A silent connection makes the proxy open an upstream connection at once (the greeting is the server's), so a
/// flood would pass 1:1 to the server. The excess is refused here, with a BYE that says why, and nothing upstream.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class ConnectionLimitTests(DovecotFixture dovecot)
{
    [Theory]
    [InlineData("--max-sessions-per-client", "too many sessions from 127.0.0.1 (2 at once, --max-sessions-per-client)")]
    [InlineData("--max-sessions", "too many sessions (2 at once, --max-sessions)")]
    public async Task BeyondTheLimit_ANewClientGetsABye_AndRoomComesBackWhenOneLeaves(string option, string why)
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "none", option, "2");
        using var first = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token);
        using var second = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token);
        Assert.StartsWith("* OK", await first.ReadLineAsync(cts.Token));
        Assert.StartsWith("* OK", await second.ReadLineAsync(cts.Token));

        using (var third = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token))
            Assert.Equal($"* BYE [UNAVAILABLE] ImapProxy: {why}\r\n", await third.ReadLineAsync(cts.Token));

        // Only the sessions relayed were counted and recorded; the refused one reached neither the server nor the store.
        await first.WriteAsync("a1 LOGOUT\r\n", cts.Token);
        while (!(await first.ReadLineAsync(cts.Token)).StartsWith("a1 ", StringComparison.Ordinal)) { }
        while (proxy.Services.GetRequiredService<ImapProxy.Capture.Relay.ProxyCounters>().ActiveSessions > 1) await Task.Delay(10, cts.Token);
        using var fourth = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token);
        Assert.StartsWith("* OK", await fourth.ReadLineAsync(cts.Token));
        Assert.Equal(1, proxy.Services.GetRequiredService<ImapProxy.Capture.Relay.ProxyCounters>().SessionsRefused);
    }
}
