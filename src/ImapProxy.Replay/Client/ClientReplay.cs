using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ImapProxy.Recording.Events;
using ImapProxy.Tls;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;
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
    /// <summary>Responses kept for the diff per command; beyond them a huge answer is compared by its start.</summary>
    public const int MaxComparedResponses = 100_000;

    private readonly Channel<ImapFrame> frames = Channel.CreateUnbounded<ImapFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource stop = new();
    private Stream? stream;
    private RecordedReplay? recording;
    private Task? pump;
    private volatile bool serverClosed;

    /// <summary>The target's capabilities as last announced (the tap's parser follows them), set on the pump's thread.</summary>
    private volatile IReadOnlyList<string> capabilities = [];

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
                Listener = ListenerKind.Plain, Upstream = options.Target, UpstreamTls = options.Tls, ClientTls = ClientTlsMode.None,
                UpstreamInsecure = options.Insecure,
            }, "replay", $"client replay of session {original.Id} against {options.Target}",
            frame =>
            {
                if (frame is StateChangeFrame state) capabilities = state.Capabilities;
                frames.Writer.TryWrite(frame);
            });

        var outcomes = new List<ReplayedExchange>();
        string? stopped = null;
        try
        {
            stream = await StartAsync(network, linked.Token).ConfigureAwait(false);
            // The greeting and the replay's own STARTTLS are no answer to a captured command.
            while (frames.Reader.TryRead(out _)) { }
            pump = Task.Run(() => PumpAsync(linked.Token), CancellationToken.None);
            var credentials = options.Credentials;
            var uids = new UidMap();
            string? selected = null;
            foreach (var exchange in original.Exchanges)
            {
                if (stopped is not null)
                {
                    outcomes.Add(new ReplayedExchange(exchange, [], null, $"not sent: {stopped}"));
                    continue;
                }
                if (exchange.Name is "STARTTLS" or "COMPRESS")
                {
                    outcomes.Add(new ReplayedExchange(exchange, [], null, $"skipped: the replay's transport is --tls {options.TlsText}, not the capture's {exchange.Name}"));
                    continue;
                }
                if (options.ReadOnly && MailboxChanges.Writes(exchange))
                {
                    outcomes.Add(new ReplayedExchange(exchange, [], null, "skipped: --read-only (it would change the server's mailboxes)"));
                    continue;
                }
                var sending = Sendable(exchange, uids, selected);
                var replayed = await ExchangeAsync(sending, credentials, linked.Token).ConfigureAwait(false);
                if (sending.Command != exchange.Command) replayed = replayed with { SentAs = FirstLine(sending.Command, sending.Tag) };
                outcomes.Add(replayed);
                uids.Learn(exchange, replayed.Responses);
                if (exchange.Frame.Args is SelectArgs opened && replayed.Status == ResponseStatus.Ok) selected = opened.Mailbox;
                if (replayed.Note is { } note) stopped = note;
                else if (options.StopOnError && replayed.Status is ResponseStatus.No or ResponseStatus.Bad) stopped = $"stopped after {exchange.Tag} {exchange.Name} answered {replayed.Status.Value.ToString().ToUpperInvariant()} (--stop-on-error)";
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
            await CloseAsync(stopped, outcomes.LastOrDefault() is { Original.Name: "LOGOUT", Status: ResponseStatus.Ok }).ConfigureAwait(false);
        }
        var exchanges = outcomes.Select(Compare).ToList();
        // Commands after a stop were never sent; say so for each.
        foreach (var rest in original.Exchanges.Skip(outcomes.Count))
            exchanges.Add(new ExchangeOutcome(rest.Index, rest.Tag, rest.Name, rest.Status, null, [], $"not sent: {stopped}"));
        return new ClientReplayResult(original.Id, recording.SessionId, options.Target, exchanges, stopped);
    }

    private ExchangeOutcome Compare(ReplayedExchange x) => new(
        x.Original.Index, x.Original.Tag, x.Original.Name, x.Original.Status, x.Status,
        x.Note is null ? ResponseDiff.Compare(x.Original.Responses, x.Responses, options.Strict) : [],
        x.Note) { SentAs = x.SentAs };

    /// <summary>The command as the replay sends it: SELECT as EXAMINE when read-only, UIDs the replay's server renumbered.</summary>
    private CapturedExchange Sendable(CapturedExchange exchange, UidMap uids, string? selected)
    {
        if (options.ReadOnly && exchange.Name == "SELECT")
        {
            // "tag SELECT ..." becomes "tag EXAMINE ...": same arguments, read-only (RFC 3501 §6.3.2).
            var rest = exchange.Command.AsSpan(exchange.Tag.Length + 1 + "SELECT".Length);
            exchange = exchange with { Command = [.. Encoding.ASCII.GetBytes(exchange.Tag + " EXAMINE"), .. rest] };
        }
        return uids.Rewrite(exchange, selected) is { } renumbered ? exchange with { Command = renumbered } : exchange;
    }

    private static string FirstLine(byte[] command, string tag)
    {
        var text = Encoding.UTF8.GetString(command);
        var end = text.IndexOfAny(['\r', '\n']);
        var line = (end < 0 ? text : text[..end])[(tag.Length + 1)..];
        return line.Length <= 200 ? line : line[..200] + "…";
    }

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

    /// <summary>TLS as asked, the greeting read, and STARTTLS done before the pump starts reading; all within one timeout.</summary>
    private async Task<Stream> StartAsync(Stream network, CancellationToken outer)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(outer);
        deadline.CancelAfter(options.ResponseTimeout);
        var ct = deadline.Token;
        try
        {
            return await NegotiateAsync(network, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!outer.IsCancellationRequested)
        {
            // The usual cause: a port that speaks TLS from the first byte, reached in plaintext.
            throw new ReplayException($"{options.Target} did not get through its greeting{(options.Tls == UpstreamTlsMode.StartTls ? " and STARTTLS" : "")} " +
                $"within {options.ResponseTimeout.TotalSeconds:0} s" +
                (options.Tls == UpstreamTlsMode.Implicit ? "" : $" (with TLS {options.TlsText}; if the port speaks TLS from the first byte, use implicit)"));
        }
    }

    private async Task<Stream> NegotiateAsync(Stream network, CancellationToken ct)
    {
        var current = options.Tls == UpstreamTlsMode.Implicit ? await TlsAsync(network, ct).ConfigureAwait(false) : network;
        var greeting = await ReadLineAsync(current, ct).ConfigureAwait(false);
        if (options.Tls != UpstreamTlsMode.StartTls) return current;
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
            await tls.AuthenticateAsClientAsync(trust.ClientOptions(options.Host, p => problem = p), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new ReplayException($"TLS with {options.Target} failed: {problem ?? e.Message}" +
                (problem is null ? "" : " (give the server's CA with --ca-file, or --insecure to accept it anyway)"));
        }
        recording!.Tls(TlsLeg.Upstream, tls, options.Host);
        if (problem is not null) recording.Note("upstream-insecure", $"accepted a certificate with problems because of --insecure: {problem}");
        return tls;
    }

    private async Task<byte[]> ReadLineAsync(Stream from, CancellationToken ct)
    {
        var line = await WireLines.ReadLineAsync(from, ct).ConfigureAwait(false) ?? throw new IOException($"{options.Target} closed the connection");
        recording!.Server(line);
        return line;
    }

    private async Task SendAsync(Stream to, byte[] bytes, CancellationToken ct)
    {
        // The tap sees the client's bytes before the server can answer them.
        recording!.Client(bytes);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ResponseTimeout);
        try
        {
            await to.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
            await to.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new IOException($"{options.Target} took no data for {options.ResponseTimeout.TotalSeconds:0} s");
        }
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
        // A capture from a LITERAL+ server replayed against one without it: {n+} would have the body read as commands.
        if (!capabilities.Contains("LITERAL+", StringComparer.OrdinalIgnoreCase)) command = CommandSegments.Synchronizing(command);
        var segments = CommandSegments.Split(command);
        for (var i = 0; i < segments.Count; i++)
        {
            await SendAsync(stream!, segments[i], ct).ConfigureAwait(false);
            if (i == segments.Count - 1) break;
            if (await NextStepAsync(exchangeState, ct).ConfigureAwait(false) is { } ended) return Done(exchange, exchangeState, ended);
            // The server refused the literal with a tagged answer: the rest is never sent (RFC 3501 §7.5), or it
            // would be read as commands.
            if (exchangeState.Completed) return Done(exchange, exchangeState, null);
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

    /// <summary>The answer being collected for one tag; memory stays bounded however much a server sends.</summary>
    private sealed class Answer(string tag)
    {
        public string Tag => tag;
        public List<ResponseFrame> Responses { get; } = [];
        public ResponseStatus? Status { get; set; }
        public bool Completed { get; set; }

        public void Add(ResponseFrame response)
        {
            if (Responses.Count < MaxComparedResponses) Responses.Add(response);
        }
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
                // The timeout is for silence: a long answer that keeps coming is no timeout.
                timeout.CancelAfter(options.ResponseTimeout);
                while (frames.Reader.TryRead(out var frame))
                {
                    if (frame is not ResponseFrame response) continue;
                    answer.Add(response);
                    if (response.Completes?.Tag == answer.Tag)
                    {
                        answer.Completed = true;
                        answer.Status = response.Status;
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

    private async Task CloseAsync(string? stopped, bool loggedOut)
    {
        // After LOGOUT the server closes (RFC 3501 §6.1.3): give it a moment, so the session ends as it did.
        if (loggedOut && pump is not null) await Task.WhenAny(pump, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
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
