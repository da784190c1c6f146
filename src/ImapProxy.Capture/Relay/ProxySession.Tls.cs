using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using ImapProxy.Recording.Events;
using ImapProxy.Capture.Tls;
using ImapProxy.Capture.Tls.Hello;
using ImapProxy.Tls;

namespace ImapProxy.Capture.Relay;

/// <summary>Connecting upstream and every TLS step of a session: handshakes on both legs, STARTTLS answered or started by the proxy.</summary>
internal sealed partial class ProxySession
{
    /// <summary>The tag of the proxy's own commands to the upstream (bridging). Never reaches the client.</summary>
    private const string ProxyTag = "IMAPPROXY1";

    private async Task ConnectUpstreamAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(options.Upstream.Host, options.Upstream.Port, timeout.Token);
        }
        catch (Exception e)
        {
            // Also when the session was cancelled (its client left): a connection made at that moment must not stay open.
            socket.Dispose();
            if (!(e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)) throw;
            var why = e is OperationCanceledException ? $"no answer within {options.ConnectTimeout.TotalSeconds:0} s" : e.Message;
            var detail = $"cannot reach the upstream server {options.Upstream}: {why}";
            // Tell the user in their mail client, not only in our logs (RFC 9051 §7.1: UNAVAILABLE).
            await SendToClientAsync($"* BYE [UNAVAILABLE] ImapProxy {detail}\r\n", "upstream-unreachable", detail, ct);
            throw new SessionEndException(CloseReason.UpstreamUnreachable, detail);
        }
        serverSocket = socket;
        serverStream = new NetworkStream(socket, ownsSocket: false);
        serverLowWater = LowWaterMark.For(socket, time);
    }

    private async Task HandshakeClientAsync(CancellationToken ct)
    {
        // The ClientHello is read from a copy of what the TLS stack reads, so it is known even when the handshake fails.
        var firstBytes = new FirstBytesStream(clientStream, HandshakeRecords.MaxWire);
        var ssl = new SslStream(firstBytes, leaveInnerStreamOpen: false);
        string? serverName = null;
        var report = new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Client, Succeeded = false };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync((_, hello, _, _) =>
            {
                serverName = string.IsNullOrEmpty(hello.ServerName) ? null : hello.ServerName;
                return ValueTask.FromResult(new SslServerAuthenticationOptions { ServerCertificateContext = CertificateFor(serverName) });
            }, null, timeout.Token);
        }
        // Whatever a hostile ClientHello makes the TLS stack throw ends this session in one line, never with a stack trace.
        catch (Exception e) when (e is AuthenticationException or IOException or System.ComponentModel.Win32Exception
                                      or System.Security.Cryptography.CryptographicException or NotSupportedException
                                  || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            var offer = ClientOffer.Read(firstBytes.First);
            firstBytes.Forget();
            var hint = e is OperationCanceledException
                ? $"the client did not complete the TLS handshake within {options.HandshakeTimeout.TotalSeconds:0} s"
                : HandshakeReport.ClientFailureHint(e, ca.CertificatePemPath, offer);
            recording.Publish(report with { ServerName = serverName, ClientHello = offer, Error = hint });
            throw new SessionEndException(CloseReason.ClientTlsFailed, hint);
        }
        var clientHello = ClientOffer.Read(firstBytes.First);
        firstBytes.Forget();
        IdleTlsBuffers.Release(ssl);
        clientStream = ssl;
        startTls.OnClientHandshake();
        clientSilentSinceHandshake = true;
        recording.Publish(TlsHandshakeReport.Succeeded(report, ssl, serverName) with { ClientHello = clientHello });
    }

    /// <summary>
    /// The client's SNI names the certificate. Without SNI the client dialled an IP address, which it will
    /// check, so the leaf carries both the upstream host and the address the client connected to.
    /// </summary>
    private SslStreamCertificateContext CertificateFor(string? serverName) =>
        ca.GetServerContext(serverName, (clientSocket.LocalEndPoint as IPEndPoint)?.Address, options.Upstream.Host);

    /// <param name="fromFirstByte">Implicit TLS: a plaintext greeting instead of a handshake means --upstream-tls is wrong.</param>
    private async Task HandshakeUpstreamAsync(CancellationToken ct, bool fromFirstByte = false)
    {
        // The proxy's own ClientHello, as the server received it (its SNI is what servers choose a certificate by); and,
        // on a leg that should be TLS from the first byte, what the server said first: a greeting's first line is enough.
        var firstBytes = new FirstBytesStream(serverStream!, fromFirstByte ? 256 : 0, HandshakeRecords.MaxWire);
        var ssl = new SslStream(firstBytes, leaveInnerStreamOpen: false);
        string? problems = null;
        var report = new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Upstream, Succeeded = false };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsClientAsync(trust.ClientOptions(options.Upstream.Host, p => problems = p), timeout.Token);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            var plaintext = fromFirstByte && UpstreamTlsMismatch.IsImapGreeting(firstBytes.First);
            var error = plaintext
                ? UpstreamTlsMismatch.SpeaksPlaintext(firstBytes.First)
                : problems is not null
                    ? $"the upstream certificate was refused ({problems}); trust its CA with --upstream-ca FILE, or accept any certificate with --upstream-insecure"
                    : e is OperationCanceledException
                        ? $"the upstream did not complete the TLS handshake within {options.HandshakeTimeout.TotalSeconds:0} s"
                        : $"the TLS handshake with the upstream failed: {Innermost(e).Message}";
            recording.Publish(report with
            {
                ServerName = options.Upstream.Host, ValidationErrors = problems, Error = error, ClientHello = ClientOffer.Read(firstBytes.FirstWritten),
            });
            firstBytes.Forget();
            if (plaintext) throw await EndForUpstreamTlsMismatchAsync(error, ct);
            throw await EndWithByeAsync(CloseReason.UpstreamTlsFailed, error, "upstream-tls-failed", ct);
        }
        var ownHello = ClientOffer.Read(firstBytes.FirstWritten);
        firstBytes.Forget();
        IdleTlsBuffers.Release(ssl);
        serverStream = ssl;
        startTls.OnUpstreamHandshake();
        recording.Publish(TlsHandshakeReport.Succeeded(report, ssl, options.Upstream.Host) with
        {
            ValidationErrors = problems,
            ValidationIgnored = problems is not null && trust.Insecure,
            ClientHello = ownHello,
        });
    }

    /// <summary>A goodbye to the client when the client leg can still carry one (it may be mid-upgrade).</summary>
    private async Task TellClientAsync(string line, string action, string description, CancellationToken ct)
    {
        if (startTls.Upgrading) return; // the client is mid-handshake: a plaintext line would break it
        try
        {
            await SendToClientAsync(line, action, description, ct);
        }
        catch (Exception e) when (e is SessionEndException or IOException or ObjectDisposedException) { }
    }

    /// <summary>
    /// The client sent STARTTLS but the proxy cannot mirror it (a leg is TLS already, or bridging): answer it here.
    /// Returns true when the client leg was upgraded.
    /// </summary>
    private async Task<bool> AnswerStartTlsItselfAsync(StartTlsAnswer answer, string tag, CancellationToken ct)
    {
        if (answer == StartTlsAnswer.RefuseAlreadyTls)
        {
            await SendToClientAsync($"{tag} BAD TLS is already active\r\n", "starttls-answered",
                "the client asked for STARTTLS on a TLS connection; the proxy answered", ct);
            return false;
        }
        if (answer == StartTlsAnswer.RefuseBridging)
        {
            await SendToClientAsync($"{tag} NO STARTTLS is not available: ImapProxy bridges this session in plaintext (--client-tls none)\r\n",
                "starttls-answered", "bridging: the client leg stays plaintext, the proxy refused STARTTLS itself", ct);
            return false;
        }
        // Mirror with an upstream that is already TLS: upgrade only the client leg.
        await clientWrite.WaitAsync(ct);
        try
        {
            var ok = Encoding.ASCII.GetBytes($"{tag} OK Begin TLS negotiation now\r\n");
            ReportProxyAction("starttls-answered", "the upstream leg is already TLS; the proxy accepted STARTTLS and upgrades the client leg only", ok);
            recording.Feed(Protocol.Direction.Server, ok);
            await WriteOwnToClientLockedAsync(ok, ct);
            startTls.OnClientOnlyUpgradeStarting();
            await HandshakeClientAsync(ct);
        }
        finally
        {
            clientWrite.Release();
        }
        return true;
    }

    /// <summary>
    /// The upstream starts in plaintext but the client leg cannot mirror STARTTLS: the proxy sends STARTTLS itself
    /// right after the greeting (RFC 3501 §6.2.1), then gives the client the greeting without its pre-TLS
    /// capabilities, which RFC 3501 says a client must discard after TLS anyway.
    /// </summary>
    private async Task UpgradeUpstreamItselfAsync(CancellationToken ct)
    {
        var reader = new LineReader(serverStream!);
        await AwaitGreetingAsync(reader, ct);
        var greeting = await reader.ReadLineAsync(ct)
            ?? throw new SessionEndException(CloseReason.ServerClosed, "the server closed the connection before its greeting");
        if (!greeting.StartsWith("* OK", StringComparison.OrdinalIgnoreCase))
        {
            // PREAUTH or BYE: there is no STARTTLS to send. Relay the greeting as it is.
            ReportProxyAction("upstream-starttls-skipped", "the greeting was not OK, so the proxy did not start TLS upstream", Encoding.UTF8.GetBytes(greeting));
            await RelayGreetingAsync(greeting, reader, ct);
            return;
        }
        var command = Encoding.ASCII.GetBytes($"{ProxyTag} STARTTLS\r\n");
        await serverStream!.WriteAsync(command, ct);
        await serverStream.FlushAsync(ct);
        var answer = new StringBuilder();
        string? line;
        do
        {
            line = await reader.ReadLineAsync(ct)
                ?? throw new SessionEndException(CloseReason.ServerClosed, "the server closed the connection after the proxy's STARTTLS");
            answer.Append(line);
        }
        while (!line.StartsWith(ProxyTag + " ", StringComparison.Ordinal) && answer.Length < 64 * 1024);
        ReportProxyAction("upstream-starttls", "the proxy started TLS on the upstream leg itself", [.. command, .. Encoding.UTF8.GetBytes(answer.ToString())]);
        if (!line.StartsWith(ProxyTag + " OK", StringComparison.OrdinalIgnoreCase))
        {
            var error = $"the upstream refused STARTTLS: {line.TrimEnd()}; use --upstream-tls none to relay in plaintext";
            throw await EndWithByeAsync(CloseReason.UpstreamTlsFailed, error, "upstream-tls-failed", ct);
        }
        if (reader.Buffered.Length > 0)
            ReportProxyAction("starttls-injection", "the server sent bytes after its STARTTLS OK before the TLS handshake; they were not relayed", reader.Buffered.Span);
        await HandshakeUpstreamAsync(ct);

        var clientGreeting = GreetingWithoutCapabilities(greeting);
        if (clientGreeting != greeting)
            ReportProxyAction("greeting-altered", "the pre-TLS CAPABILITY code was removed from the greeting (RFC 3501 §6.2.1); the client will ask again", Encoding.UTF8.GetBytes(clientGreeting));
        await RelayGreetingAsync(clientGreeting, null, ct);
    }

    private async Task RelayGreetingAsync(string greeting, LineReader? reader, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(greeting);
        await clientWrite.WaitAsync(ct);
        try
        {
            recording.Feed(Protocol.Direction.Server, bytes);
            await RelayToClientLockedAsync(bytes, ct);
            if (reader is { Buffered.Length: > 0 } leftover)
            {
                recording.Feed(Protocol.Direction.Server, leftover.Buffered.Span);
                await RelayToClientLockedAsync(leftover.Buffered, ct);
            }
        }
        finally
        {
            clientWrite.Release();
        }
    }

    /// <summary>"* OK [CAPABILITY ...] text" becomes "* OK text"; other greetings are unchanged.</summary>
    internal static string GreetingWithoutCapabilities(string greeting)
    {
        const string prefix = "* OK [CAPABILITY ";
        if (!greeting.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return greeting;
        var close = greeting.IndexOf(']', prefix.Length);
        if (close < 0) return greeting;
        return "* OK " + greeting[(close + 1)..].TrimStart(' ');
    }
}
