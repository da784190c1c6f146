using System.Collections.Concurrent;
using System.Net.Sockets;
using ImapProxy.Recording.Bus;
using ImapProxy.Tls;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ImapProxy.Capture.Relay;

/// <summary>Accepts clients on every bound listener and runs a <see cref="ProxySession"/> for each.</summary>
public sealed class ProxyServer(
    ProxyOptions options,
    BoundListeners listeners,
    CertificateAuthority ca,
    UpstreamTrust trust,
    EventBus bus,
    ISessionIdSource ids,
    ProxyCounters counters,
    TimeProvider time,
    ILogger<ProxyServer> logger) : BackgroundService
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<long, Task> sessions = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.UpstreamInsecure)
            logger.LogWarning("--upstream-insecure: the upstream certificate of {Upstream} is NOT verified; every session is flagged", options.Upstream);
        foreach (var listener in listeners.All)
            logger.LogInformation("Listening on {EndPoint} ({Kind}) for {Upstream}", listener.EndPoint, listener.Kind, options.Upstream);

        await Task.WhenAll(listeners.All.Select(l => AcceptLoopAsync(l, stoppingToken)));

        // Shutting down: sessions see the cancellation and close; give them a moment to say so.
        await Task.WhenAny(Task.WhenAll(sessions.Values), Task.Delay(ShutdownGrace, time, CancellationToken.None));
    }

    private async Task AcceptLoopAsync(BoundListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.Socket.AcceptAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                // A client that vanished between SYN and accept; keep listening.
                logger.LogDebug(e, "Accept failed on {EndPoint}", listener.EndPoint);
                continue;
            }
            var id = ids.Next();
            sessions[id] = RunSessionAsync(id, client, listener, ct);
        }
    }

    private async Task RunSessionAsync(long id, Socket client, BoundListener listener, CancellationToken ct)
    {
        // Leave the accept loop at once; the session runs on its own.
        await Task.Yield();
        counters.SessionStarted();
        try
        {
            await using var session = new ProxySession(id, client, listener.Kind, options, ca, trust, bus, time, logger, counters);
            await session.RunAsync(ct);
        }
        catch (Exception e)
        {
            // ProxySession reports its own failures; this is the last line of defence for the process.
            logger.LogError(e, "Session {SessionId} crashed", id);
        }
        finally
        {
            counters.SessionEnded();
            sessions.TryRemove(id, out _);
        }
    }
}
