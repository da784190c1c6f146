using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using ImapProxy.Capture.Faults;
using ImapProxy.Recording.Events;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Framing;
using ImapProxy.Replay.Captured;
using ImapProxy.Replay.Diff;
using ImapProxy.Replay.Wire;

namespace ImapProxy.Replay.Server;

/// <summary>
/// One client of a served capture: the captured greeting, then for each command the captured answer of the matching
/// command (tags rewritten to the client's, literals byte-exact), the captured close at the end. Commands that
/// match nothing get a BAD that says why.
/// </summary>
internal sealed class ServedConnection
{
    private readonly CapturedSession session;
    private readonly ServeOptions options;
    private readonly RecordedReplay recording;
    /// <summary>The client's last command (or malformed line) as the tap parsed it; taken when its line is complete.</summary>
    private ImapFrame? lastClientFrame;
    private readonly ExchangeMatcher matcher;
    private Stream stream;
    private ClientCommandReader reader;

    private readonly IPAddress? dialled;

    // Null when no fault rule was in force as the client connected: the capture is played byte-exact.
    private readonly SessionFaults? faults;

    private ServedConnection(CapturedSession session, ServeOptions options, Stream stream, ReplayRecorder recorder, string remote, IPAddress? dialled)
    {
        this.dialled = dialled;
        this.session = session;
        this.options = options;
        this.stream = stream;
        reader = new ClientCommandReader(stream);
        matcher = new ExchangeMatcher(session.Exchanges);
        recording = recorder.Open(new SessionOpened
            {
                Source = EventSource.Proxy, ClientAddress = remote, ListenerAddress = options.Listen.ToString(),
                Listener = options.Tls ? ListenerKind.Tls : ListenerKind.Plain, Upstream = $"capture of session {session.Id}",
                // The listener says whether TLS came first; STARTTLS is answered when there is a CA to mint with.
                UpstreamTls = UpstreamTlsMode.None, ClientTls = options.Authority is null ? ClientTlsMode.None : ClientTlsMode.Mirror,
            }, "serve-capture", $"server replay of session {session.Id}",
            frame =>
            {
                if (frame.Direction == Direction.Client && frame is CommandFrame or MalformedFrame) lastClientFrame = frame;
                faults?.OnFrame(frame);
            });
        // The recording publishes no frame before the first bytes fed to it, so the observer above finds this set.
        if (options.Faults is { IsEmpty: false } rules)
            faults = new SessionFaults(rules, () => new FaultSession(SessionId, remote, $"capture of session {session.Id}", recording.State?.User,
                recording.State?.Mailbox), Random.Shared.NextDouble);
    }

    public long SessionId => recording.SessionId;

    public static async Task ServeAsync(CapturedSession session, ServeOptions options, Stream stream, ReplayRecorder recorder, Socket socket,
        CancellationToken ct)
    {
        var remote = socket.RemoteEndPoint;
        var connection = new ServedConnection(session, options, stream, recorder, remote?.ToString() ?? "unknown", (socket.LocalEndPoint as IPEndPoint)?.Address);
        options.Log?.Invoke($"{remote}: connected, stored as session {connection.SessionId}");
        var (reason, detail) = (CloseReason.ClientClosed, "the client closed the connection");
        try
        {
            if (options.Tls) connection.StartTls(await connection.TlsAsync(ct));
            (reason, detail) = await connection.RunAsync(ct);
        }
        catch (OperationCanceledException)
        {
            (reason, detail) = (CloseReason.ProxyShutdown, "the server replay stopped");
        }
        catch (ClosedByFault e)
        {
            (reason, detail) = (CloseReason.Fault, e.Message);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            (reason, detail) = (CloseReason.ClientReset, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of ours or a peer we did not foresee: it ends this connection, never the server.
            (reason, detail) = (CloseReason.ProxyError, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            connection.recording.Close(reason, detail);
            options.Log?.Invoke($"{remote}: session {connection.SessionId} ended: {detail}");
            connection.recording.Dispose();
            await connection.stream.DisposeAsync();
        }
    }

    /// <summary>
    /// What the capture has instead: the next captured command of the same name and the arguments that differ (a
    /// client asking for UID 601 where the capture has 602 sees both), else the capture's next command. The values
    /// are JSON (no line breaks) and bounded, as they go back on the client's line.
    /// </summary>
    private string Nearest(CommandFrame parsed)
    {
        if (matcher.NextNamed(parsed.Name) is { } same)
        {
            var differences = CommandKey.Differences(parsed, same.Frame);
            var said = string.Join("; ", differences.Take(MaxDifferencesSaid).Select(d => Bounded(d.ToString())));
            var more = differences.Count > MaxDifferencesSaid ? $"; {differences.Count - MaxDifferencesSaid} more" : "";
            return $"the capture's next {same.Name} is {same.Tag}, which differs in {said}{more}";
        }
        return matcher.Next is { } n ? $"the capture's next command is {n.Tag} {n.Name}" : "every captured command was served";
    }

    private const int MaxDifferencesSaid = 3;

    private static string Bounded(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private async Task<(CloseReason, string)> RunAsync(CancellationToken ct)
    {
        await SendAsync(session.Greeting, ct);
        while (true)
        {
            var command = await ReadCommandAsync(ct);
            if (command is null) return (CloseReason.ClientClosed, "the client closed the connection");
            var (tag, frame) = command.Value;
            if (frame is not CommandFrame parsed)
            {
                await SendAsync(Encoding.UTF8.GetBytes($"{tag} BAD [CLIENTBUG] ImapProxy server replay: this command does not parse\r\n"), ct);
                continue;
            }
            var key = CommandKey.Of(parsed);
            if (matcher.Take(key) is not { } exchange)
            {
                var reason = $"no captured command matches {parsed.Name}; {Nearest(parsed)}";
                recording.Note("serve-mismatch", $"{parsed.Tag} {parsed.Name}: {reason}");
                await SendAsync(Encoding.UTF8.GetBytes($"{parsed.Tag} BAD [CLIENTBUG] ImapProxy server replay: {reason}\r\n"), ct);
                continue;
            }
            if (parsed.Name == "COMPRESS")
            {
                // RFC 4978 §3: NO leaves the session uncompressed; the client goes on.
                await SendAsync(Encoding.UTF8.GetBytes($"{parsed.Tag} NO ImapProxy server replay does not compress; go on uncompressed\r\n"), ct);
                continue;
            }
            if (await AnswerAsync(exchange, parsed.Tag, ct) is { } end) return end;
        }
    }

    /// <summary>
    /// Reads one command: its line, and each literal with the line after it. A synchronizing literal gets its "+" first
    /// (RFC 3501 §7.5). Returns the tag and the parsed frame, or null when the client closed the connection.
    /// </summary>
    private async Task<(string Tag, ImapFrame? Frame)?> ReadCommandAsync(CancellationToken ct)
    {
        string? tag = null;
        while (true)
        {
            var line = await ReadClientLineAsync(ct);
            if (line is null) return null;
            tag ??= Encoding.UTF8.GetString(line.AsSpan(0, Math.Clamp(line.AsSpan().IndexOfAny((byte)' ', (byte)'\r', (byte)'\n'), 0, 64)));
            var text = line.AsSpan().TrimEnd("\r\n"u8);
            var header = LiteralHeader.TryFind(text, out var length, out _, out var nonSynchronizing);
            if (header == LiteralHeader.Result.Overflow) return (tag, null);
            if (header == LiteralHeader.Result.None)
            {
                var frame = lastClientFrame;
                lastClientFrame = null;
                return (tag, frame);
            }
            if (!nonSynchronizing) await SendAsync("+ Ready for literal data\r\n"u8.ToArray(), ct);
            await BoundedAsync(options.IdleTimeout, "the client stopped sending its literal",
                t => reader.ReadLiteralAsync(length, chunk => recording.Client(chunk.Span), t), ct);
        }
    }

    private async Task<byte[]?> ReadClientLineAsync(CancellationToken ct)
    {
        var line = await BoundedAsync(options.IdleTimeout, "the client sent nothing", reader.ReadLineAsync, ct);
        if (line is not null) recording.Client(line);
        return line;
    }

    /// <summary>Runs one I/O step within <paramref name="limit"/>; past it, the connection ends with <paramref name="what"/>.</summary>
    private static async Task<T> BoundedAsync<T>(TimeSpan limit, string what, Func<CancellationToken, Task<T>> io, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        try
        {
            return await io(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new IOException($"{what} for {limit.TotalSeconds:0} s");
        }
    }

    private static Task BoundedAsync(TimeSpan limit, string what, Func<CancellationToken, Task> io, CancellationToken ct) =>
        BoundedAsync(limit, what, async t =>
        {
            await io(t);
            return true;
        }, ct);

    /// <summary>Plays the captured answer; returns how the session ends when it ends here (LOGOUT, the capture's close).</summary>
    private async Task<(CloseReason, string)?> AnswerAsync(CapturedExchange exchange, string tag, CancellationToken ct)
    {
        var parts = exchange.ServerParts;
        if (parts.Count == 0)
        {
            // The capture ended before the server answered: end the same way.
            await SendAsync(session.Trailer, ct);
            return (CloseReason.ServerClosed, $"the capture ends without an answer to {exchange.Tag} {exchange.Name}");
        }
        // The client's literals already had their "+"; the captured ones for them are not sent again.
        var literalContinuations = Math.Min(CommandSegments.Split(exchange.Command).Count - 1, parts.Count - 1);
        var last = parts[^1];
        for (var i = literalContinuations; i < parts.Count - 1; i++)
        {
            await SendAsync(RetagCorrelators(parts[i], exchange.Tag, tag), ct);
            if (exchange.Name == "IDLE")
            {
                // Updates that came during IDLE go out now, not after DONE.
                await SendAsync(RetagCorrelators(last[..exchange.CompletionStart], exchange.Tag, tag), ct);
                last = last[exchange.CompletionStart..];
            }
            if (await ReadClientLineAsync(ct) is null) return (CloseReason.ClientClosed, "the client closed the connection");
        }
        if (options.OriginalTiming && exchange.Latency is { } latency)
            await Task.Delay(latency < options.MaxDelay ? latency : options.MaxDelay, options.Time, ct);
        var completionStart = last.Length - (parts[^1].Length - exchange.CompletionStart);
        await SendAsync([.. RetagCorrelators(last[..completionStart], exchange.Tag, tag), .. Retag(last.AsSpan(completionStart), exchange.Tag, tag)], ct);

        if (exchange.Name == "STARTTLS" && exchange.Status == ResponseStatus.Ok)
        {
            // RFC 3501 §6.2.1: what the client sent behind STARTTLS in plaintext is dropped with the old reader.
            if (reader.HasBuffered) recording.Note("starttls-injection", "bytes the client sent behind STARTTLS were dropped");
            StartTls(await TlsAsync(ct));
        }
        var lastOfCapture = exchange.Index == session.Exchanges.Count - 1;
        if (exchange.Name == "LOGOUT" || (lastOfCapture && session.ServerClosed))
        {
            await SendAsync(session.Trailer, ct);
            return (CloseReason.ServerClosed, exchange.Name == "LOGOUT" ? "LOGOUT served" : "the capture's server closed the connection here");
        }
        return null;
    }

    /// <summary>RFC 4731 §3.1: an ESEARCH response names its command's tag, <c>(TAG "a5")</c>; it becomes the client's.</summary>
    private static byte[] RetagCorrelators(byte[] bytes, string captured, string tag)
    {
        var from = Encoding.ASCII.GetBytes($"(TAG \"{captured}\")");
        if (captured == tag || bytes.AsSpan().IndexOf(from) < 0) return bytes;
        var to = Encoding.ASCII.GetBytes($"(TAG \"{tag}\")");
        var result = new List<byte>(bytes.Length);
        var rest = bytes.AsSpan();
        for (var at = rest.IndexOf(from); at >= 0; at = rest.IndexOf(from))
        {
            result.AddRange(rest[..at]);
            result.AddRange(to);
            rest = rest[(at + from.Length)..];
        }
        result.AddRange(rest);
        return [.. result];
    }

    private static byte[] Retag(ReadOnlySpan<byte> completion, string captured, string tag)
    {
        var prefix = Encoding.ASCII.GetBytes(captured + " ");
        return completion.StartsWith(prefix) ? [.. Encoding.ASCII.GetBytes(tag + " "), .. completion[prefix.Length..]] : completion.ToArray();
    }

    private void StartTls(Stream tls)
    {
        stream = tls;
        reader = new ClientCommandReader(tls);
    }

    private async Task<Stream> TlsAsync(CancellationToken ct)
    {
        if (options.Authority is not { } authority) throw new IOException("TLS was asked for but the server replay has no CA");
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        string? serverName = null;
        // As the proxy's own listeners: the name the client asked for, else localhost and the address it dialled.
        await BoundedAsync(options.IoTimeout, "the client did not finish its TLS handshake", t => tls.AuthenticateAsServerAsync((_, hello, _, _) =>
        {
            serverName = string.IsNullOrEmpty(hello.ServerName) ? null : hello.ServerName;
            return ValueTask.FromResult(new SslServerAuthenticationOptions { ServerCertificateContext = authority.GetServerContext(serverName, dialled, "localhost") });
        }, null, t), ct);
        recording.Tls(TlsLeg.Client, tls, serverName);
        return tls;
    }

    /// <summary>Server bytes to the client, as recorded; through the fault rules when any (they record what they alter).</summary>
    private async Task SendAsync(byte[] bytes, CancellationToken ct)
    {
        if (bytes.Length == 0) return;
        recording.Server(bytes);
        if (faults is null)
        {
            await WriteAsync(bytes, ct);
            return;
        }
        if (await FaultSteps.PerformAsync(faults.OnServerBytes(bytes), WriteAsync, recording.Record, options.Time, ct) is { } close)
            throw new ClosedByFault(close.Detail);
    }

    private Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct) =>
        BoundedAsync(options.IoTimeout, "the client took nothing of what was sent to it", async t =>
        {
            await stream.WriteAsync(bytes, t);
            await stream.FlushAsync(t);
        }, ct);

    /// <summary>A fault rule cut the connection.</summary>
    private sealed class ClosedByFault(string detail) : Exception(detail);
}
