using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace ImapProxy.TestSupport;

/// <summary>
/// Checks that a port really serves IMAP: a listening socket alone is not enough, because the
/// imap-login process that writes the greeting, or the auth process, may not have started yet.
/// </summary>
internal static class GreetingProbe
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The greeting line, or null when the port did not (yet) greet.</summary>
    public static async Task<string?> TryGreetingAsync(
        string host, int port, bool implicitTls, RemoteCertificateValidationCallback trust, CancellationToken ct)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(AttemptTimeout);
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host, port, attempt.Token);
            Stream stream = tcp.GetStream();
            if (implicitTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = trust },
                    attempt.Token);
                stream = tls;
            }
            await using (stream)
            {
                var line = await ReadLineAsync(stream, attempt.Token);
                // While the auth process is not up yet, imap-login first says "* OK Waiting for authentication
                // process to respond.."; the real greeting, with capabilities, follows once logins can work.
                if (line is null || !line.StartsWith("* OK [CAPABILITY", StringComparison.Ordinal)) return null;
                // Say goodbye so the log shows a clean logout rather than an aborted connection.
                await stream.WriteAsync("probe LOGOUT\r\n"u8.ToArray(), attempt.Token);
                return line;
            }
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException
                                   || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }

    private static async Task<string?> ReadLineAsync(Stream stream, CancellationToken ct)
    {
        var line = new StringBuilder();
        var buffer = new byte[1];
        while (await stream.ReadAsync(buffer, ct) == 1)
        {
            if (buffer[0] == '\n') return line.ToString().TrimEnd('\r');
            line.Append((char)buffer[0]);
        }
        return null;
    }
}
