using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImapProxy.Soak.Fuzz;

/// <summary>
/// The upstream the fuzz proxy relays to: a listener on 127.0.0.1 in this process. It plays nothing by itself;
/// each session takes the next connection the proxy opens (<see cref="AcceptAsync"/>) and plays its script on it.
/// </summary>
internal sealed class ScriptedServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);

    public ScriptedServer() => listener.Start(backlog: 512);

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public async Task<NetworkStream> AcceptAsync(CancellationToken ct)
    {
        var socket = await listener.AcceptSocketAsync(ct);
        socket.NoDelay = true;
        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>
    /// While the proxy starts, answers its readiness probes (greeting, then OK to the client's LOGOUT) until cancelled.
    /// </summary>
    public async Task AnswerProbesAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await using var stream = await AcceptAsync(ct);
                await stream.WriteAsync("* OK soak upstream ready\r\n"u8.ToArray(), ct);
                var line = await ReadLineAsync(stream, ct);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{line.Split(' ')[0]} OK bye\r\n"), ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // Cancelled once the proxy is ready, or a probe that gave up.
        }
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken ct)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one, ct) == 1 && one[0] != '\n') line.Add(one[0]);
        return Encoding.ASCII.GetString(line.ToArray()).TrimEnd('\r');
    }

    public void Dispose() => listener.Stop();
}
