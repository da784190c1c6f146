using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ImapProxy.Capture.Faults;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Findings;
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
    FaultRuleSet faults,
    TimeProvider time,
    ILogger<ProxyServer> logger) : BackgroundService
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RefusalTimeout = TimeSpan.FromSeconds(5);

    // Shared by this proxy's sessions: a UIDVALIDITY that differs from an earlier session's is a finding.
    private readonly MailboxMemory mailboxes = new();

    // Sessions the store could not number are relayed all the same, recorded nowhere.
    private static readonly EventBus Unrecorded = new();

    private readonly ConcurrentDictionary<long, Task> sessions = new();
    private readonly ConcurrentDictionary<IPAddress, int> perClient = new();
    private long running;
    private long unrecordedIds;

    private volatile bool failed;

    /// <summary>False once a listener stopped accepting clients by an error (the health check says so: a dead relay must
    /// not look healthy now that a failing background service no longer stops the process).</summary>
    public bool Accepting => !failed;

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
        try
        {
            await AcceptAsync(listener, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failed = true;
            logger.LogCritical(e, "The listener {EndPoint} stopped accepting clients", listener.EndPoint);
            throw;
        }
    }

    private async Task AcceptAsync(BoundListener listener, CancellationToken ct)
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
            var address = (client.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4(); // one client, whichever listener it came in on
            if (Refusal(address) is { } why)
            {
                counters.SessionRefused();
                _ = RefuseAsync(client, why);
                continue;
            }
            var (id, recorded) = NextId();
            sessions[id] = RunSessionAsync(id, recorded ? bus : Unrecorded, client, address, listener, ct);
        }
    }

    /// <summary>Why a new session from <paramref name="address"/> is refused, or null; counts it in when it is not.</summary>
    private string? Refusal(IPAddress address)
    {
        if (Interlocked.Increment(ref running) > options.MaxSessions)
        {
            Interlocked.Decrement(ref running);
            return $"too many sessions ({options.MaxSessions} at once, --max-sessions)";
        }
        if (perClient.AddOrUpdate(address, 1, (_, n) => n + 1) > options.MaxSessionsPerClient)
        {
            Release(address);
            return $"too many sessions from {address} ({options.MaxSessionsPerClient} at once, --max-sessions-per-client)";
        }
        return null;
    }

    private void Release(IPAddress address)
    {
        Interlocked.Decrement(ref running);
        // Removed at zero so that the table holds only clients with sessions; a racing increment re-adds its entry.
        if (perClient.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0) perClient.TryRemove(KeyValuePair.Create(address, 0));
    }

    /// <summary>Tells the client why in a BYE (RFC 9051 §7.1: UNAVAILABLE), without opening an upstream connection.</summary>
    private async Task RefuseAsync(Socket client, string why)
    {
        if (counters.SessionsRefused % 1000 == 1) logger.LogWarning("Refused a session from {Client}: {Why} ({Refused} refused so far)", client.RemoteEndPoint, why, counters.SessionsRefused);
        using (client)
        {
            try
            {
                using var timeout = new CancellationTokenSource(RefusalTimeout);
                await client.SendAsync(Encoding.ASCII.GetBytes($"* BYE [UNAVAILABLE] ImapProxy: {why}\r\n"), SocketFlags.None, timeout.Token);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>A session id from the store, or (the store failing: a full disk) one that marks the session unrecorded.</summary>
    private (long Id, bool Recorded) NextId()
    {
        try
        {
            return (ids.Next(), true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The relay goes on: storage failure must never stop it. Negative ids never collide with stored ones.
            var id = -Interlocked.Increment(ref unrecordedIds);
            counters.SessionUnrecorded();
            logger.LogError("Session {SessionId} is relayed but not recorded: the store could not give it an id ({Error})", id, e.Message);
            return (id, false);
        }
    }

    private async Task RunSessionAsync(long id, EventBus sessionBus, Socket client, IPAddress address, BoundListener listener, CancellationToken ct)
    {
        // Leave the accept loop at once; the session runs on its own.
        await Task.Yield();
        counters.SessionStarted();
        try
        {
            await using var session = new ProxySession(id, client, listener.Kind, options, ca, trust, sessionBus, time, logger, counters, faults, mailboxes);
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
            Release(address);
            sessions.TryRemove(id, out _);
        }
    }
}
