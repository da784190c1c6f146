using System.Net;
using System.Net.Sockets;

namespace ImapProxy.Tests.Support;

/// <summary>
/// A scripted upstream on 127.0.0.1, only for what a real Dovecot cannot do on cue (die in the middle of a
/// literal, answer only once the client's side has ended). It accepts one connection and plays the script on it.
/// </summary>
internal sealed class FakeUpstream : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);

    public FakeUpstream() => listener.Start();

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public Task<T> ServeOneAsync<T>(Func<Socket, Task<T>> script, CancellationToken ct) => Task.Run(async () =>
    {
        using var socket = await listener.AcceptSocketAsync(ct);
        return await script(socket);
    }, ct);

    public void Dispose() => listener.Dispose();
}
