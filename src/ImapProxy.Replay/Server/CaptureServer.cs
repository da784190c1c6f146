using System.Net;
using System.Net.Sockets;
using System.Text;
using ImapProxy.Replay.Captured;

namespace ImapProxy.Replay.Server;

/// <summary>
/// Serves a captured session's server side to every client that connects (<c>imapproxy serve-capture</c>, the
/// dashboard's "Serve this capture"). Each connection is played from the start and recorded as a session.
/// </summary>
public sealed class CaptureServer : IAsyncDisposable
{
    private readonly Socket listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Task acceptLoop;
    private readonly List<Task> connections = [];
    private int served;

    private CaptureServer(CapturedSession session, ServeOptions options, ReplayRecorder recorder, Socket listener)
    {
        Session = session;
        this.listener = listener;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        Options = options with { Listen = EndPoint };
        acceptLoop = Task.Run(() => AcceptAsync(recorder));
    }

    public CapturedSession Session { get; }
    public ServeOptions Options { get; }
    public IPEndPoint EndPoint { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Served => Volatile.Read(ref served);

    /// <summary>Binds the listener; a port in use throws <see cref="ReplayException"/> with the address.</summary>
    public static CaptureServer Start(CapturedSession session, ServeOptions options, ReplayRecorder recorder)
    {
        if (options.Tls && options.Authority is null) throw new ReplayException("--tls needs the ImapProxy CA (--ca-dir)");
        var socket = new Socket(options.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(options.Listen);
            socket.Listen(16);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ReplayException($"cannot listen on {options.Listen}: {e.Message}");
        }
        return new CaptureServer(session, options, recorder, socket);
    }

    private async Task AcceptAsync(ReplayRecorder recorder)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stop.IsCancellationRequested) return;
                // Out of file descriptors and the like: do not spin; the listener may recover.
                await Task.Delay(100, CancellationToken.None);
                continue;
            }
            client.NoDelay = true;
            var stream = new NetworkStream(client, ownsSocket: true);
            lock (connections)
            {
                // ServeAsync ends every connection itself and throws nothing: completed tasks need no look.
                connections.RemoveAll(t => t.IsCompleted);
                if (connections.Count >= Options.MaxConnections)
                {
                    _ = RefuseAsync(stream);
                    continue;
                }
                Interlocked.Increment(ref served);
                connections.Add(Task.Run(() => ServedConnection.ServeAsync(Session, Options, stream, recorder, client, stop.Token)));
            }
        }
    }

    /// <summary>RFC 3501 §7.1.5: a BYE greeting refuses the connection.</summary>
    private async Task RefuseAsync(NetworkStream stream)
    {
        await using (stream)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"* BYE ImapProxy server replay: {Options.MaxConnections} clients are connected already\r\n"), timeout.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // It left first.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Dispose();
        await acceptLoop;
        Task[] running;
        lock (connections) running = [.. connections];
        await Task.WhenAll(running);
        stop.Dispose();
    }
}
