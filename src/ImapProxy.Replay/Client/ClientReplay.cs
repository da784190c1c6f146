using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ImapProxy.Capture.Events;
using ImapProxy.Capture.Tls;
using ImapProxy.Protocol;
using ImapProxy.Replay.Captured;
using ImapProxy.Replay.Diff;
using ImapProxy.Replay.Wire;

namespace ImapProxy.Replay.Client;

/// <summary>
/// Sends a captured session's commands to a server, one at a time, and records what comes back: synchronizing
/// literals wait for the server's <c>+</c>, IDLE lasts as long as it did (capped), credentials are put back where
/// capture redacted them. STARTTLS and COMPRESS are not sent: the replay's transport is its own option.
/// </summary>
public sealed class ClientReplay : IAsyncDisposable
{
    private readonly CapturedSession original;
    private readonly ClientReplayOptions options;
    private readonly Channel<ImapFrame> frames = Channel.CreateUnbounded<ImapFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource stop = new();
    private Stream? stream;
    private RecordedReplay? recording;
    private Task? pump;
    private volatile bool serverClosed;

    private ClientReplay(CapturedSession original, ClientReplayOptions options)
    {
        this.original = original;
        this.options = options;
    }

    /// <summary>Replays and compares. Problems the user can fix (options, unreachable server) throw <see cref="ReplayException"/>.</summary>
    public static async Task<ClientReplayResult> RunAsync(CapturedSession original, ClientReplayOptions options, ReplayRecorder recorder,
        CancellationToken ct = default)
    {
        if (options.Problem() is { } problem) throw new ReplayException(problem);
        if (Credentials.Needed(original) && options.Credentials is null)
            throw new ReplayException($"session {original.Id} logs in: give the password (and --user if not {Credentials.CapturedUser(original) ?? "the captured one"})");
        await using var replay = new ClientReplay(original, options);
        return await replay.RunAsync(recorder, ct).ConfigureAwait(false);
    }

    private async Task<ClientReplayResult> RunAsync(ReplayRecorder recorder, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, stop.Token);
        var network = await ConnectAsync(ct).ConfigureAwait(false);
        stream = network;
        recording = recorder.Open(new SessionOpened
            {
                Source = EventSource.Proxy, ClientAddress = $"replay of session {original.Id}", ListenerAddress = "replay",
                Listener = ListenerKind.Plain, Upstream = options.Target, UpstreamTls = options.Tls, ClientTls = "none",
                UpstreamInsecure = options.Insecure,
            }, "replay", $"client replay of session {original.Id} against {options.Target}",
            frame => frames.Writer.TryWrite(frame));

        var outcomes = new List<ReplayedExchange>();
        string? stopped = null;
        try
        {
            stream = await StartAsync(network, linked.Token).ConfigureAwait(false);
            // The greeting and the replay's own STARTTLS are no answer to a captured command.
            while (frames.Reader.TryRead(out _)) { }
            pump = Task.Run(() => PumpAsync(linked.Token), CancellationToken.None);
            var credentials = options.Credentials;
            foreach (var exchange in original.Exchanges)
            {
                if (stopped is not null)
                {
                    outcomes.Add(new ReplayedExchange(exchange, [], null, $"not sent: {stopped}"));
                    continue;
                }
                if (exchange.Name is "STARTTLS" or "COMPRESS")
                {
                    outcomes.Add(new ReplayedExchange(exchange, [], null, $"skipped: the replay's transport is --tls {options.Tls}, not the capture's {exchange.Name}"));
                    continue;
                }
                var replayed = await ExchangeAsync(exchange, credentials, linked.Token).ConfigureAwait(false);
                outcomes.Add(replayed);
                if (replayed.Note is { } note) stopped = note;
                else if (options.StopOnError && replayed.Status is "no" or "bad") stopped = $"stopped after {exchange.Tag} {exchange.Name} answered {replayed.Status!.ToUpperInvariant()} (--stop-on-error)";
            }
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException)
        {
            stopped ??= e is OperationCanceledException ? "cancelled" : $"the connection failed: {e.Message}";
        }
        catch (ReplayException e)
        {
            stopped = e.Message;
            throw;
        }
        finally
        {
            await CloseAsync(stopped).ConfigureAwait(false);
        }
        var exchanges = outcomes.Select(Compare).ToList();
        // Commands after a stop were never sent; say so for each.
        foreach (var rest in original.Exchanges.Skip(outcomes.Count))
            exchanges.Add(new ExchangeOutcome(rest.Index, rest.Tag, rest.Name, rest.Status, null, [], $"not sent: {stopped}"));
        return new ClientReplayResult(original.Id, recording.SessionId, options.Target, exchanges, stopped);
    }

    private ExchangeOutcome Compare(ReplayedExchange x) => new(
        x.Original.Index, x.Original.Tag, x.Original.Name, x.Original.Status, x.Status,
        x.Note is null ? ResponseDiff.Compare(x.Original.Responses.Select(r => r.Frame).ToList(), x.Responses, options.Strict) : [],
        x.Note);

    private async Task<Stream> ConnectAsync(CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.ResponseTimeout);
            await tcp.ConnectAsync(options.Host, options.Port, timeout.Token).ConfigureAwait(false);
            return tcp.GetStream();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            tcp.Dispose();
            ct.ThrowIfCancellationRequested();
            throw new ReplayException($"cannot connect to {options.Target}: {e.Message}");
        }
    }

    /// <summary>TLS as asked, the greeting read, and STARTTLS done before the pump starts reading.</summary>
    private async Task<Stream> StartAsync(Stream network, CancellationToken ct)
    {
        var current = options.Tls == "implicit" ? await TlsAsync(network, ct).ConfigureAwait(false) : network;
        var greeting = await ReadLineAsync(current, ct).ConfigureAwait(false);
        if (options.Tls != "starttls") return current;
        if (!Encoding.ASCII.GetString(greeting).Contains("STARTTLS", StringComparison.OrdinalIgnoreCase))
        {
            // The greeting may not list capabilities; ask.
            await SendAsync(current, "RS0 CAPABILITY\r\n"u8.ToArray(), ct).ConfigureAwait(false);
            while (!(await ReadLineAsync(current, ct).ConfigureAwait(false)).AsSpan().StartsWith("RS0 "u8)) { }
        }
        await SendAsync(current, "RS1 STARTTLS\r\n"u8.ToArray(), ct).ConfigureAwait(false);
        while (true)
        {
            var line = await ReadLineAsync(current, ct).ConfigureAwait(false);
            if (!line.AsSpan().StartsWith("RS1 "u8)) continue;
            if (!line.AsSpan().StartsWith("RS1 OK"u8)) throw new ReplayException($"{options.Target} refused STARTTLS: {Encoding.UTF8.GetString(line).TrimEnd()}");
            return await TlsAsync(current, ct).ConfigureAwait(false);
        }
    }

    private async Task<Stream> TlsAsync(Stream inner, CancellationToken ct)
    {
        UpstreamTrust trust;
        try
        {
            trust = new UpstreamTrust(options.CaFile, options.Insecure);
        }
        catch (InvalidOperationException e)
        {
            throw new ReplayException(e.Message);
        }
        string? problem = null;
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.ResponseTimeout);
            await tls.AuthenticateAsClientAsync(trust.ClientOptions(options.Host, p => problem = p), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new ReplayException($"TLS with {options.Target} failed: {problem ?? e.Message}" +
                (problem is null ? "" : " (give the server's CA with --ca-file, or --insecure to accept it anyway)"));
        }
        if (problem is not null) recording!.Note("upstream-insecure", $"accepted a certificate with problems because of --insecure: {problem}");
        return tls;
    }

    private async Task<byte[]> ReadLineAsync(Stream from, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ResponseTimeout);
        try
        {
            var line = await WireLines.ReadLineAsync(from, timeout.Token).ConfigureAwait(false)
                ?? throw new IOException($"{options.Target} closed the connection");
            recording!.Server(line);
            return line;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The usual cause: a port that speaks TLS from the first byte, reached in plaintext.
            throw new ReplayException($"{options.Target} said nothing within {options.ResponseTimeout.TotalSeconds:0} s" +
                (options.Tls == "implicit" ? "" : $" (with TLS {options.Tls}; if the port speaks TLS from the first byte, use implicit)"));
        }
    }

    private async Task SendAsync(Stream to, byte[] bytes, CancellationToken ct)
    {
        // The tap sees the client's bytes before the server can answer them.
        recording!.Client(bytes);
        await to.WriteAsync(bytes, ct).ConfigureAwait(false);
        await to.FlushAsync(ct).ConfigureAwait(false);
    }

    private async Task PumpAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await stream!.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n == 0) break;
                recording!.Server(buffer.AsSpan(0, n));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection ended; the main loop learns it from the channel.
        }
        finally
        {
            serverClosed = !ct.IsCancellationRequested;
            frames.Writer.TryComplete();
        }
    }

    /// <summary>One command: sent in segments (waiting at synchronizing literals), then its SASL or IDLE exchange, then the answer.</summary>
    private async Task<ReplayedExchange> ExchangeAsync(CapturedExchange exchange, Credentials? credentials, CancellationToken ct)
    {
        var tag = options.NewTags ? $"R{exchange.Index + 1:D4}" : exchange.Tag;
        var (command, lines) = credentials?.Substitute(exchange, tag) is { } substituted
            ? substituted
            : (Retag(exchange.Command, exchange.Tag, tag), exchange.ClientLines);
        var exchangeState = new Answer(tag);
        var segments = CommandSegments.Split(command);
        for (var i = 0; i < segments.Count; i++)
        {
            await SendAsync(stream!, segments[i], ct).ConfigureAwait(false);
            if (i == segments.Count - 1) break;
            if (await NextStepAsync(exchangeState, ct).ConfigureAwait(false) is { } ended) return Done(exchange, exchangeState, ended);
        }

        var nextLine = 0;
        while (true)
        {
            if (exchangeState.Completed) return Done(exchange, exchangeState, null);
            if (await NextStepAsync(exchangeState, ct).ConfigureAwait(false) is { } ended) return Done(exchange, exchangeState, ended);
            if (exchangeState.Completed) continue;
            // A continuation: IDLE's "idling", or a SASL challenge.
            if (exchange.Name == "IDLE")
            {
                var idle = exchange.IdleFor is { } captured && captured < options.IdleMax ? captured : options.IdleMax;
                await Task.Delay(idle, ct).ConfigureAwait(false);
                await SendAsync(stream!, lines.Count > 0 ? lines[0] : "DONE\r\n"u8.ToArray(), ct).ConfigureAwait(false);
                continue;
            }
            // Out of captured lines: cancel the exchange rather than hang (RFC 3501 §6.2.2).
            await SendAsync(stream!, nextLine < lines.Count ? lines[nextLine++] : "*\r\n"u8.ToArray(), ct).ConfigureAwait(false);
        }
    }

    /// <summary>The answer being collected for one tag.</summary>
    private sealed class Answer(string tag)
    {
        public string Tag => tag;
        public List<JsonElement> Responses { get; } = [];
        public string? Status { get; set; }
        public bool Completed { get; set; }
    }

    /// <summary>Reads frames until a continuation or the tag's completion; returns why the exchange ended otherwise.</summary>
    private async Task<string?> NextStepAsync(Answer answer, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ResponseTimeout);
        try
        {
            while (await frames.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
            {
                while (frames.Reader.TryRead(out var frame))
                {
                    if (frame is not ResponseFrame response) continue;
                    answer.Responses.Add(JsonDocument.Parse(FrameJson.Serialize(response)).RootElement.Clone());
                    if (response.Completes?.Tag == answer.Tag)
                    {
                        answer.Completed = true;
                        answer.Status = response.Status?.ToString().ToLowerInvariant();
                        return null;
                    }
                    if (response.ResponseKind == ResponseKind.Continuation) return null;
                }
            }
            return $"{options.Target} closed the connection before answering {answer.Tag}";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"no answer to {answer.Tag} within {options.ResponseTimeout.TotalSeconds:0} s";
        }
    }

    private static ReplayedExchange Done(CapturedExchange exchange, Answer answer, string? ended) =>
        new(exchange, answer.Responses, answer.Status, ended);

    private static byte[] Retag(byte[] command, string captured, string tag)
    {
        if (captured == tag || !command.AsSpan().StartsWith(Encoding.ASCII.GetBytes(captured + " "))) return command;
        return [.. Encoding.ASCII.GetBytes(tag), .. command.AsSpan(captured.Length)];
    }

    private async Task CloseAsync(string? stopped)
    {
        var closedByServer = serverClosed;
        await stop.CancelAsync().ConfigureAwait(false);
        if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
        if (pump is not null) await pump.ConfigureAwait(false);
        recording?.Close(closedByServer ? CloseReason.ServerClosed : CloseReason.ClientClosed,
            stopped is null ? $"replay of session {original.Id} finished" : $"replay of session {original.Id} stopped: {stopped}");
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        recording?.Dispose();
        stop.Dispose();
    }
}
