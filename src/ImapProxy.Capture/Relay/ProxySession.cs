using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using ImapProxy.Capture.Faults;
using ImapProxy.Recording;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Recording.Findings;
using ImapProxy.Capture.Tls;
using ImapProxy.Tls;
using ImapProxy.Protocol;
using Microsoft.Extensions.Logging;

namespace ImapProxy.Capture.Relay;

/// <summary>
/// One client connection relayed to the upstream server. Two pumps copy bytes unchanged; each chunk is first
/// fed to the session's recording, whose parser also tells the relay where STARTTLS changes the transport; the
/// <see cref="StartTlsPolicy"/> decides what to do about it.
/// The first pump to end decides the close reason; the other is then cancelled (YARP's StreamCopier pattern).
/// </summary>
internal sealed partial class ProxySession : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly Socket clientSocket;
    private readonly ListenerKind listener;
    private readonly ProxyOptions options;
    private readonly CertificateAuthority ca;
    private readonly UpstreamTrust trust;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly ProxyCounters counters;
    private readonly EventBus bus;
    private readonly SessionRecording recording;
    private readonly StartTlsPolicy startTls;

    // Null when no fault rule was in force as the session opened: then nothing observes frames and the pumps relay
    // each chunk as read (the byte-exact path, no work per frame).
    private readonly SessionFaults? faults;

    // Writes to the client come from the server pump and from the proxy's own answers; this keeps them whole
    // and lets a client-leg TLS upgrade swap the stream while no one writes.
    private readonly SemaphoreSlim clientWrite = new(1, 1);

    private Stream clientStream;
    private Stream? serverStream;
    private Socket? serverSocket;

    // Per leg, set while a large literal arrives on it (null where unsupported). The server leg's once connected.
    private readonly LowWaterMark? clientLowWater;
    private LowWaterMark? serverLowWater;

    // Completed by the server pump once the server answered a forwarded STARTTLS: true after both legs upgraded.
    private TaskCompletionSource<bool>? startTlsDecision;
    private long clientBytes;
    private long serverBytes;
    private long lastActivity;

    // The client pump's first read, started before the upstream is ready; small, as most clients wait for the greeting.
    // Its buffer is rented for that read only (an idle session holds none), and dropped to the GC when the session
    // ends before the pump took the read over (the read may still be pending on it then).
    private const int FirstReadSize = 4096;
    private Task<int>? firstClientRead;
    private byte[]? firstClientBuffer;

    private UpstreamStart upstreamStart;

    // An end the proxy decided and told the client about: the client leaving on reading it does not replace its reason.
    private (CloseReason, string)? endDecided;

    // Set by whoever reads the upstream's first bytes (or its end before any): the greeting watch waits for it.
    private readonly TaskCompletionSource greeted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Set by each client-leg handshake, cleared by the first byte read after it: a client that leaves before
    // sending anything over TLS most likely rejected our certificate (TLS 1.3 lets the server finish first).
    private bool clientSilentSinceHandshake;

    public ProxySession(long id, Socket clientSocket, ListenerKind listener, ProxyOptions options, CertificateAuthority ca,
        UpstreamTrust trust, EventBus bus, TimeProvider time, ILogger logger, ProxyCounters counters, FaultRuleSet faultRules, MailboxMemory mailboxes)
    {
        Id = id;
        this.clientSocket = clientSocket;
        this.listener = listener;
        this.options = options;
        this.ca = ca;
        this.trust = trust;
        this.time = time;
        this.logger = logger;
        this.counters = counters;
        this.bus = bus;
        clientSocket.NoDelay = true;
        clientStream = new NetworkStream(clientSocket, ownsSocket: true);
        clientLowWater = LowWaterMark.For(clientSocket, time);
        startTls = new StartTlsPolicy(options.ClientTls);
        if (!faultRules.IsEmpty) faults = new SessionFaults(faultRules, FaultFacts, Random.Shared.NextDouble);
        recording = new SessionRecording(id, new SessionOpened
        {
            Source = EventSource.Proxy,
            ClientAddress = ClientAddress,
            ListenerAddress = clientSocket.LocalEndPoint?.ToString() ?? "?",
            Listener = listener,
            Upstream = options.Upstream.ToString(),
            UpstreamTls = options.EffectiveUpstreamTls,
            ClientTls = options.ClientTls,
            UpstreamInsecure = options.UpstreamInsecure,
        }, bus, time, options.LiteralCaptureLimit, frameObserver: faults is null ? null : faults.OnFrame, mailboxes: mailboxes,
            feederWaitsForStore: options.StoreBehind == StoreBehindMode.Wait);
        lastActivity = time.GetTimestamp();
    }

    public long Id { get; }

    public string ClientAddress => clientSocket.RemoteEndPoint?.ToString() ?? "?";

    public async Task RunAsync(CancellationToken shutdown)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var ct = session.Token;
        CloseReason reason;
        string detail;
        LogOpened(Id, ClientAddress, listener, options.Upstream.ToString());
        try
        {
            // 1. TLS listener: handshake with the client first, so its SNI can name our certificate.
            if (listener == ListenerKind.Tls) await HandshakeClientAsync(ct);
            // 2. The client pump's first read starts now: a client that leaves while the proxy is still busy with the
            //    upstream (which may never answer) ends the session then.
            firstClientBuffer = ArrayPool<byte>.Shared.Rent(FirstReadSize);
            firstClientRead = ReadAsync(clientStream, firstClientBuffer.AsMemory(0, FirstReadSize), Side.Client, ct).AsTask();
            // 3. The upstream connection, and its TLS when it starts with TLS or the client leg cannot mirror STARTTLS.
            await WhileTheClientStaysAsync(PrepareUpstreamAsync(ct), session);
            // 4. Relay until one side ends.
            (reason, detail) = await RelayAsync(session);
        }
        catch (SessionEndException e)
        {
            (reason, detail) = (e.Reason, e.Message);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            (reason, detail) = (CloseReason.ProxyShutdown, "the proxy is shutting down");
        }
        catch (Exception e)
        {
            (reason, detail) = (CloseReason.ProxyError, $"{e.GetType().Name}: {e.Message}");
            logger.LogError(e, "Session {SessionId} failed in the proxy", Id);
        }
        await CloseStreamsAsync();
        // A first read the relay never took over (the session ended before it) fails as the streams close: expected.
        _ = firstClientRead?.ContinueWith(static read => read.Exception, TaskContinuationOptions.OnlyOnFaulted);
        recording.Close(reason, detail, Interlocked.Read(ref clientBytes), Interlocked.Read(ref serverBytes));
        LogClosed(Id, reason, detail, recording.State?.User, Interlocked.Read(ref clientBytes), Interlocked.Read(ref serverBytes));
    }

    private async Task PrepareUpstreamAsync(CancellationToken ct)
    {
        await ConnectUpstreamAsync(ct);
        upstreamStart = startTls.StartFor(options.EffectiveUpstreamTls, listener);
        switch (upstreamStart)
        {
            case UpstreamStart.Implicit: await HandshakeUpstreamAsync(ct, fromFirstByte: true); break;
            case UpstreamStart.ProxyStartTls: await UpgradeUpstreamItselfAsync(ct); break;
        }
    }

    /// <summary>Awaits a step before the relay; if the client leaves first, the step is stopped and the session ends as the client's.</summary>
    private async Task WhileTheClientStaysAsync(Task step, CancellationTokenSource session)
    {
        var read = firstClientRead!;
        if (await Task.WhenAny(step, read) == step || !(read.IsFaulted || read is { IsCompletedSuccessfully: true, Result: 0 }))
        {
            await step;
            return;
        }
        await session.CancelAsync();
        try { await step; }
        catch (Exception e) when (e is OperationCanceledException or SessionEndException or IOException or ObjectDisposedException) { }
        var (reason, detail) = endDecided ?? await ClientEndAsync(read);
        throw new SessionEndException(reason, detail);
    }

    /// <summary>How a client read that ended the session ends it: a close, or the reset its exception says.</summary>
    private async Task<(CloseReason, string)> ClientEndAsync(Task<int> read)
    {
        try
        {
            await read;
            return ClientGone((CloseReason.ClientClosed, "the client closed the connection"));
        }
        catch (SessionEndException e)
        {
            return ClientGone((e.Reason, e.Message));
        }
    }

    /// <summary>A TLS client that leaves before sending anything over TLS most likely rejected our certificate.</summary>
    private (CloseReason, string) ClientGone((CloseReason Reason, string Detail) end) =>
        end.Reason is CloseReason.ClientClosed or CloseReason.ClientReset && clientSilentSinceHandshake ? ClientRejectedCertificate() : end;

    private async Task<(CloseReason, string)> RelayAsync(CancellationTokenSource session)
    {
        var ct = session.Token;
        var clientPump = PumpClientAsync(ct);
        var serverPump = PumpServerAsync(ct);
        var pumps = new List<Task<(CloseReason, string)>> { clientPump, serverPump };
        if (options.IdleTimeout is { } idle) pumps.Add(WatchIdleAsync(idle, ct));
        if (upstreamStart == UpstreamStart.Plain) pumps.Add(WatchGreetingWhileRelayingAsync(ct));
        var first = await Task.WhenAny(pumps);
        if (first == clientPump && clientPump.IsCompletedSuccessfully && clientPump.Result.Item1 == CloseReason.ClientClosed && !startTls.ClientLegTls)
            await FinishHalfCloseAsync(serverPump, ct);
        (CloseReason Reason, string Detail) result;
        try
        {
            result = await first;
        }
        catch (SessionEndException e)
        {
            result = (e.Reason, e.Message);
        }
        result = endDecided ?? ClientGone(result);
        await session.CancelAsync();
        // Closing the streams unblocks reads that do not watch the token.
        await CloseStreamsAsync();
        foreach (var pump in pumps.Where(p => p != first))
        {
            try { await pump; }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SessionEndException) { }
        }
        return result;
    }

    /// <summary>
    /// The client closed its sending side only (a script piping commands into nc): it may still read. Pass the
    /// half-close on upstream and relay the server's answer until the server closes, for a while (RFC 9293 §3.6).
    /// The session still ends as the client's close. Plaintext client legs only: a TLS client's close_notify ends it.
    /// </summary>
    private async Task FinishHalfCloseAsync(Task<(CloseReason, string)> serverPump, CancellationToken ct)
    {
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(ct);
        grace.CancelAfter(HalfCloseGrace);
        try
        {
            // The close_notify can wait on a server that reads nothing: bounded like the rest.
            if (startTls.UpstreamLegTls) await ((SslStream)serverStream!).ShutdownAsync().WaitAsync(grace.Token);
            serverSocket?.Shutdown(SocketShutdown.Send);
            await serverPump.WaitAsync(grace.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or SessionEndException
                                      or ObjectDisposedException or InvalidCastException)
        {
            // The server kept the connection open past the grace, or failed: the session ends as the client's all the same.
        }
    }

    // Long enough for a slow greeting and an answer; short, because an EOF looks the same for a half and a full close
    // and the session holds its --max-sessions slot meanwhile.
    private static readonly TimeSpan HalfCloseGrace = TimeSpan.FromSeconds(10);

    // ---- client → server ----

    private async Task<(CloseReason, string)> PumpClientAsync(CancellationToken ct)
    {
        // The first read was started before the upstream was ready (RunAsync); it may hold what the client said first.
        var first = await firstClientRead!;
        var firstBuffer = firstClientBuffer!;
        firstClientBuffer = null;
        try
        {
            if (first == 0) return (CloseReason.ClientClosed, "the client closed the connection");
            clientSilentSinceHandshake = false;
            await ForwardFromClientAsync(firstBuffer.AsMemory(0, first), ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(firstBuffer);
        }
        var drained = true;
        while (true)
        {
            clientLowWater?.BeforeRead(recording.LiteralBytesToCome(Direction.Client));
            // An idle session holds no buffer: once a read drained the socket, wait for data with a zero-byte
            // read before renting one (IDLE lasts hours). During a transfer, read straight away.
            if (drained) await ReadAsync(clientStream, Memory<byte>.Empty, Side.Client, ct);
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                var n = await ReadAsync(clientStream, buffer.AsMemory(0, BufferSize), Side.Client, ct);
                clientLowWater?.AfterRead();
                if (n == 0) return (CloseReason.ClientClosed, "the client closed the connection");
                drained = n < BufferSize;
                clientSilentSinceHandshake = false;
                await ForwardFromClientAsync(buffer.AsMemory(0, n), ct);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private async Task ForwardFromClientAsync(ReadOnlyMemory<byte> chunk, CancellationToken ct)
    {
        await WaitForStoreAsync(ct);
        var result = recording.Feed(Direction.Client, chunk.Span);
        if (faults is not null) await PerformAsync(faults.TakeCommandSteps(), ct);
        if (!result.StartTlsPending)
        {
            await WriteServerAsync(chunk, ct);
            return;
        }

        // STARTTLS (RFC 3501 §6.2.1): forward the command alone; bytes after it wait for the server's answer.
        var command = chunk[..result.Consumed];
        var rest = chunk[result.Consumed..].ToArray();
        bool upgraded;
        var answer = startTls.OnClientStartTls();
        if (answer == StartTlsAnswer.Forward)
        {
            var decision = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref startTlsDecision, decision);
            await WriteServerAsync(command, ct);
            // The server pump upgrades both legs on OK before it answers here.
            upgraded = await decision.Task.WaitAsync(ct);
        }
        else
        {
            // A leg is already TLS, or the client leg stays plaintext: the proxy answers, the server never sees it.
            upgraded = await AnswerStartTlsItselfAsync(answer, result.StartTlsTag ?? "*", ct);
        }
        if (rest.Length == 0) return;
        if (upgraded)
        {
            // Sent in plaintext before the handshake: never carried into the TLS session.
            var recorded = recording.ReportUnparsed(Direction.Client, rest);
            ReportProxyAction("starttls-injection", $"the client sent {rest.Length} bytes after STARTTLS before the TLS handshake; they were not relayed",
                recorded);
            return;
        }
        await ForwardFromClientAsync(rest, ct);
    }

    private Task WriteServerAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct) => WriteAsync(serverStream!, bytes, Side.Server, ct);

    private (CloseReason, string) ClientRejectedCertificate()
    {
        var hint = HandshakeReport.ClientFailureHint(new IOException("it closed the connection right after the handshake, before sending anything"), ca.CertificatePemPath, offer: null);
        recording.Publish(new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Client, Succeeded = false, Error = hint });
        return (CloseReason.ClientTlsFailed, hint);
    }

    // ---- server → client ----

    private async Task<(CloseReason, string)> PumpServerAsync(CancellationToken ct)
    {
        var drained = true;
        while (true)
        {
            serverLowWater?.BeforeRead(recording.LiteralBytesToCome(Direction.Server));
            if (drained) await ReadAsync(serverStream!, Memory<byte>.Empty, Side.Server, ct);
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            var n = await ReadAsync(serverStream!, buffer.AsMemory(0, BufferSize), Side.Server, ct);
            serverLowWater?.AfterRead();
            if (n == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return (CloseReason.ServerClosed, "the server closed the connection");
            }
            drained = n < BufferSize;
            if (FirstBytesSpeakTls(buffer.AsSpan(0, n)))
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw await EndForUpstreamTlsMismatchAsync(UpstreamTlsMismatch.SpeaksTls, ct);
            }
            await WaitForStoreAsync(ct);
            await clientWrite.WaitAsync(ct);
            try
            {
                var result = recording.Feed(Direction.Server, buffer.AsSpan(0, n));
                var upgrade = startTls.OnServerChunk(result, out var refused);
                var forward = upgrade ? result.Consumed : n;
                await RelayToClientLockedAsync(buffer.AsMemory(0, forward), ct);
                // Refused: the client pump may read plaintext again.
                if (refused) Interlocked.Exchange(ref startTlsDecision, null)?.TrySetResult(false);
                if (upgrade) await UpgradeBothLegsLockedAsync(buffer.AsMemory(forward, n - forward), ct);
            }
            finally
            {
                clientWrite.Release();
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// With <see cref="StoreBehindMode.Wait"/>, a chunk read waits while the store is behind (the bus bounds the wait),
    /// so that its bytes are kept rather than let go; the socket's own flow control then slows the sender.
    /// </summary>
    private ValueTask WaitForStoreAsync(CancellationToken ct) =>
        options.StoreBehind == StoreBehindMode.Wait ? bus.WaitForRoomAsync(ct) : ValueTask.CompletedTask;

    /// <summary>The server said OK to the client's STARTTLS: upgrade upstream, then client, then let the client pump go on.</summary>
    private async Task UpgradeBothLegsLockedAsync(ReadOnlyMemory<byte> afterOk, CancellationToken ct)
    {
        if (!afterOk.IsEmpty)
        {
            recording.ReportUnparsed(Direction.Server, afterOk.Span);
            if (faults is not null) await PerformAsync(faults.Skip(afterOk.Length), ct);
            ReportProxyAction("starttls-injection", $"the server sent {afterOk.Length} bytes after its STARTTLS OK before the TLS handshake; they were not relayed", afterOk.Span);
        }
        await HandshakeUpstreamAsync(ct);
        await HandshakeClientAsync(ct);
        Interlocked.Exchange(ref startTlsDecision, null)?.TrySetResult(true);
    }

    /// <summary>
    /// The server's bytes (as parsed) on their way to the client, through the fault rules when any; the caller holds
    /// <see cref="clientWrite"/>.
    /// </summary>
    private Task RelayToClientLockedAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct) =>
        faults is null ? WriteClientLockedAsync(bytes, ct) : PerformAsync(faults.OnServerBytes(bytes.Span), ct);

    /// <summary>
    /// The proxy's own bytes, parsed as what the client received: the fault rules leave them alone (what they held
    /// of the server's goes first, as it came first). The caller holds <see cref="clientWrite"/>.
    /// </summary>
    private async Task WriteOwnToClientLockedAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        if (faults is not null) await PerformAsync(faults.Skip(bytes.Length), ct);
        await WriteClientLockedAsync(bytes, ct);
    }

    /// <summary>Writes to the client; the caller holds <see cref="clientWrite"/>.</summary>
    private Task WriteClientLockedAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct) => WriteAsync(clientStream, bytes, Side.Client, ct);

    /// <summary>Relays bytes to one side, counted as sent by the other; a failed write ends the session with the side's reason.</summary>
    private async Task WriteAsync(Stream stream, ReadOnlyMemory<byte> bytes, Side to, CancellationToken ct)
    {
        if (bytes.IsEmpty) return;
        try
        {
            await stream.WriteAsync(bytes, ct);
            await stream.FlushAsync(ct);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new SessionEndException(to == Side.Client ? CloseReason.ClientReset : CloseReason.ServerReset,
                $"writing to the {(to == Side.Client ? "client" : "server")} failed: {Innermost(e).Message}");
        }
        if (to == Side.Server)
        {
            Interlocked.Add(ref clientBytes, bytes.Length);
            counters.AddClientBytes(bytes.Length);
        }
        else
        {
            Interlocked.Add(ref serverBytes, bytes.Length);
            counters.AddServerBytes(bytes.Length);
        }
        Touch();
    }

    /// <summary>Bytes the proxy itself sends to the client: recorded as a proxy action and parsed as what the client received.</summary>
    private async Task SendToClientAsync(string text, string action, string description, CancellationToken ct)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        await clientWrite.WaitAsync(ct);
        try
        {
            ReportProxyAction(action, description, bytes);
            recording.Feed(Direction.Server, bytes);
            await WriteOwnToClientLockedAsync(bytes, ct);
        }
        finally
        {
            clientWrite.Release();
        }
    }

    // ---- reading, idleness, closing ----

    private enum Side
    {
        Client,
        Server,
    }

    // Pooled: two reads per chunk each way (the zero-byte wait, then the read), which a Task each would allocate.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadAsync(Stream stream, Memory<byte> buffer, Side side, CancellationToken ct)
    {
        try
        {
            var n = await stream.ReadAsync(buffer, ct);
            if (n > 0) Touch();
            return n;
        }
        catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException && !ct.IsCancellationRequested)
        {
            var who = side == Side.Client ? "client" : "server";
            throw new SessionEndException(side == Side.Client ? CloseReason.ClientReset : CloseReason.ServerReset,
                $"the {who} connection failed: {Innermost(e).Message}");
        }
    }

    private void Touch() => Interlocked.Exchange(ref lastActivity, time.GetTimestamp());

    private async Task<(CloseReason, string)> WatchIdleAsync(TimeSpan idle, CancellationToken ct)
    {
        while (true)
        {
            var quiet = time.GetElapsedTime(Interlocked.Read(ref lastActivity));
            if (quiet >= idle) return (CloseReason.IdleTimeout, $"no traffic for {idle} (--idle-timeout)");
            await Task.Delay(idle - quiet, time, ct);
        }
    }

    private async Task CloseStreamsAsync()
    {
        foreach (var stream in new[] { clientStream, serverStream })
        {
            try
            {
                if (stream is not null) await stream.DisposeAsync();
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
        }
        serverSocket?.Dispose();
    }

    private void ReportProxyAction(string action, string description, ReadOnlySpan<byte> bytes = default)
    {
        recording.Publish(new ProxyAction
        {
            Source = EventSource.Proxy, Action = action, Description = description,
            Bytes = bytes.IsEmpty ? null : ByteText.Escape(bytes, 4096),
        });
    }

    private static Exception Innermost(Exception e) => HandshakeReport.Innermost(e);

    public async ValueTask DisposeAsync()
    {
        await CloseStreamsAsync();
        clientLowWater?.Dispose();
        serverLowWater?.Dispose();
        recording.Dispose();
        clientWrite.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} opened from {Client} on the {Listener} listener to {Upstream}")]
    private partial void LogOpened(long sessionId, string client, ListenerKind listener, string upstream);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} closed: {Reason} ({Detail}); user {User}, {ClientBytes} bytes up, {ServerBytes} bytes down")]
    private partial void LogClosed(long sessionId, CloseReason reason, string detail, string? user, long clientBytes, long serverBytes);
}
