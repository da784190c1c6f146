using System.Diagnostics;
using ImapProxy.Recording.Events;
using Microsoft.Extensions.Logging;

namespace ImapProxy.Capture.Relay;

/// <summary>
/// The upstream's greeting (RFC 9051 §7.1: the server speaks first), watched on a leg that starts in plaintext: an
/// implicit-TLS server reached with --upstream-tls starttls (or auto on a port other than 993) says nothing at all,
/// and the client would wait for a greeting that never comes.
/// </summary>
internal sealed partial class ProxySession
{
    /// <summary>
    /// Returns once the upstream greeted (or ended); ends the session when it turns out to speak TLS, or stays silent
    /// past the handshake timeout.
    /// </summary>
    private async Task WatchGreetingAsync(CancellationToken ct)
    {
        var start = time.GetTimestamp();
        if (await GreetedWithinAsync(options.GreetingTimeout, ct)) return;
        if (await UpstreamTlsProbe.SpeaksTlsAsync(options.Upstream, options.GreetingTimeout, ct))
            throw await EndForUpstreamTlsMismatchAsync(UpstreamTlsMismatch.SpeaksTls, ct);
        if (await GreetedWithinAsync(options.HandshakeTimeout, ct)) return;
        var detail = $"the upstream server sent no IMAP greeting within {time.GetElapsedTime(start).TotalSeconds:0} s, and does not speak TLS either";
        throw await EndWithByeAsync(CloseReason.UpstreamUnreachable, detail, "upstream-silent", ct);
    }

    private async Task<bool> GreetedWithinAsync(TimeSpan wait, CancellationToken ct)
    {
        try
        {
            await greeted.Task.WaitAsync(wait, time, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The greeting watch beside the relay's pumps: it ends the session only when the greeting never came.</summary>
    private async Task<(CloseReason, string)> WatchGreetingWhileRelayingAsync(CancellationToken ct)
    {
        await WatchGreetingAsync(ct);
        // Greeted: the pumps end the session from here on.
        await Task.Delay(Timeout.InfiniteTimeSpan, time, ct);
        throw new UnreachableException();
    }

    /// <summary>Waits for the upstream's first bytes before the proxy reads its greeting line itself (it sends STARTTLS after it).</summary>
    private async Task AwaitGreetingAsync(LineReader reader, CancellationToken ct)
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fill = FillAsync(reader, reading.Token);
        var watch = WatchGreetingAsync(ct);
        if (await Task.WhenAny(fill, watch) == watch && watch.IsFaulted)
        {
            await reading.CancelAsync();
            try { await fill; }
            catch (Exception e) when (e is OperationCanceledException or IOException) { }
            await watch;
        }
        if (!await fill) throw new SessionEndException(CloseReason.ServerClosed, "the server closed the connection before its greeting");
        await watch;
        if (UpstreamTlsMismatch.IsTlsRecord(reader.Buffered.Span)) throw await EndForUpstreamTlsMismatchAsync(UpstreamTlsMismatch.SpeaksTls, ct);
    }

    private async Task<bool> FillAsync(LineReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.FillAsync(ct);
        }
        finally
        {
            greeted.TrySetResult();
        }
    }

    /// <summary>True for the server pump's first chunk on a plaintext upstream leg when they are a TLS record; marks the greeting as come.</summary>
    private bool FirstBytesSpeakTls(ReadOnlySpan<byte> chunk) =>
        greeted.TrySetResult() && upstreamStart == UpstreamStart.Plain && UpstreamTlsMismatch.IsTlsRecord(chunk);

    /// <summary>Says in the session, the log and a BYE to the client that --upstream-tls does not match the server; the caller throws what it returns.</summary>
    private Task<SessionEndException> EndForUpstreamTlsMismatchAsync(string detail, CancellationToken ct)
    {
        LogUpstreamTlsMismatch(Id, options.Upstream.ToString(), detail);
        return EndWithByeAsync(CloseReason.UpstreamTlsMismatch, detail, "upstream-tls-mismatch", ct);
    }

    /// <summary>
    /// Decides the session's end before the client hears of it: a client that closes on reading the BYE (before the
    /// caller throws) must not turn the proxy's reason into "the client closed". The caller throws what it returns.
    /// </summary>
    private async Task<SessionEndException> EndWithByeAsync(CloseReason reason, string detail, string action, CancellationToken ct)
    {
        endDecided = (reason, detail);
        await TellClientAsync($"* BYE [UNAVAILABLE] ImapProxy: {detail}\r\n", action, detail, ct);
        return new SessionEndException(reason, detail);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: --upstream-tls does not match {Upstream}: {Detail}")]
    private partial void LogUpstreamTlsMismatch(long sessionId, string upstream, string detail);
}
