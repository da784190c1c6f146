using System.Net.Sockets;
using System.Text;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Proxy;

/// <summary>
/// A peer that stops in the middle of a large message body (a server that announced more than it sends, a phone
/// that lost its network while uploading): the other side still gets every byte that was sent, promptly, although
/// during a large body the relay asks to be woken only once 16 KiB wait (LowWaterMark). Scripted upstream: Dovecot
/// cannot be made to stop in the middle of a body on cue.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class StalledLiteralTests(DovecotFixture fixture)
{
    private const int Announced = 1_000_000;
    private const int SentFirst = 200_000;
    // Fewer than the 16 KiB the relay waits for in the middle of a large literal.
    private const int SentLast = 5_000;

    [Fact]
    public async Task ServerStopsMidBody_TheClientStillGetsItsLastBytes()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var upstream = new FakeUpstream();
        var firstPartRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (proxy, client, serve) = await RelayAsync(upstream, "a1 FETCH 1 BODY[]\r\n", async (socket, _) =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes($"* 1 FETCH (BODY[] {{{Announced}}}\r\n").Concat(Filled(SentFirst, 'a')).ToArray(), SocketFlags.None, cts.Token);
            await firstPartRead.Task.WaitAsync(cts.Token);
            await socket.SendAsync(Filled(SentLast, 'b'), SocketFlags.None, cts.Token);
            // Then nothing more, the connection still open: the rest of the announced body never comes.
            await Task.Delay(Timeout.Infinite, cts.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return true;
        }, cts.Token);
        await using (proxy)
        using (client)
        {
            Assert.Equal($"* 1 FETCH (BODY[] {{{Announced}}}\r\n", await client.ReadLineAsync(cts.Token));
            Assert.Equal(Filled(SentFirst, 'a'), await client.ReadBytesAsync(SentFirst, cts.Token));
            firstPartRead.SetResult();

            Assert.Equal(Filled(SentLast, 'b'), await client.ReadBytesAsync(SentLast, cts.Token));
            await cts.CancelAsync();
            await serve;
        }
    }

    [Fact]
    public async Task ClientStopsMidUpload_TheServerStillGetsItsLastBytes()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var upstream = new FakeUpstream();
        var firstPartRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (proxy, client, serve) = await RelayAsync(upstream, $"a1 APPEND INBOX {{{Announced}}}\r\n", async (socket, command) =>
        {
            await socket.SendAsync("+ go ahead\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
            var first = await ReadBytesAsync(socket, SentFirst, cts.Token);
            firstPartRead.SetResult();
            var last = await ReadBytesAsync(socket, SentLast, cts.Token);
            return (command, first, last);
        }, cts.Token);
        await using (proxy)
        using (client)
        {
            Assert.StartsWith("+ go ahead", await client.ReadLineAsync(cts.Token));
            await client.WriteAsync(Filled(SentFirst, 'a'), cts.Token);
            await firstPartRead.Task.WaitAsync(cts.Token);
            await client.WriteAsync(Filled(SentLast, 'b'), cts.Token);

            var (command, first, last) = await serve;
            Assert.Equal($"a1 APPEND INBOX {{{Announced}}}\r\n", command);
            Assert.Equal(Filled(SentFirst, 'a'), first);
            Assert.Equal(Filled(SentLast, 'b'), last);
        }
    }

    /// <summary>
    /// A proxy in front of the scripted upstream, and a client of it that read the greeting and sent
    /// <paramref name="command"/>; the upstream plays <paramref name="script"/> once it read the command.
    /// </summary>
    private async Task<(ProxyHarness Proxy, RawClient Client, Task<T> Served)> RelayAsync<T>(FakeUpstream upstream, string command,
        Func<Socket, string, Task<T>> script, CancellationToken ct)
    {
        var served = upstream.ServeOneAsync(async socket =>
        {
            await socket.SendAsync("* OK fake ready\r\n"u8.ToArray(), SocketFlags.None, ct);
            return await script(socket, await ReadLineAsync(socket, ct));
        }, ct);
        var proxy = await ProxyHarness.StartAsync(fixture.Server, "none", "--upstream", $"127.0.0.1:{upstream.Port}");
        var client = await RawClient.ConnectAsync(proxy.PlainPort, ct);
        Assert.StartsWith("* OK fake ready", await client.ReadLineAsync(ct));
        await client.WriteAsync(command, ct);
        return (proxy, client, served);
    }

    private static byte[] Filled(int count, char c) => Enumerable.Repeat((byte)c, count).ToArray();

    private static async Task<string> ReadLineAsync(Socket socket, CancellationToken ct)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (line.Count == 0 || line[^1] != '\n')
        {
            if (await socket.ReceiveAsync(one, SocketFlags.None, ct) == 0) throw new IOException("the proxy closed the connection");
            line.Add(one[0]);
        }
        return Encoding.ASCII.GetString(line.ToArray());
    }

    private static async Task<byte[]> ReadBytesAsync(Socket socket, int count, CancellationToken ct)
    {
        var bytes = new byte[count];
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.ReadExactlyAsync(bytes, ct);
        return bytes;
    }
}
