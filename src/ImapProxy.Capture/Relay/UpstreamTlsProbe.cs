using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ImapProxy.Capture.Relay;

/// <summary>
/// Asks the upstream, on a connection of its own, whether it speaks TLS from the first byte. A session whose
/// upstream has not greeted cannot find out on its own connection without breaking it if the server is merely slow.
/// </summary>
internal static class UpstreamTlsProbe
{
    public static async Task<bool> SpeaksTlsAsync(UpstreamEndpoint upstream, TimeSpan timeout, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(timeout);
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(upstream.Host, upstream.Port, wait.Token);
            await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false));
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = upstream.Host,
                // Only whether a handshake completes matters: nothing is sent over it and it is closed at once, so its
                // certificate is trusted with nothing (the session's own handshake verifies it).
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, wait.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException
                                  || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
