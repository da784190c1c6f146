using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ImapProxy.Tls;

namespace ImapProxy.Capture.Tests.Tls;

/// <summary>Real TLS over loopback: the minted context must work in SslStream, picked by SNI.</summary>
public sealed class CertificateAuthorityHandshakeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _temp = new();
    private readonly CertificateAuthority _ca;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _timeout = new(Timeout);

    public CertificateAuthorityHandshakeTests()
    {
        _ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Stop();
        _timeout.Dispose();
        _ca.Dispose();
        _temp.Dispose();
    }

    [Theory]
    [InlineData("localhost")]  // SNI is sent: the leaf is minted for it
    [InlineData("127.0.0.1")]  // no SNI for an IP: the server falls back to the upstream address
    public async Task Handshake_ClientTrustingOurCa_Succeeds(string targetHost)
    {
        var server = ServeOneEchoAsync(fallbackName: "127.0.0.1");

        using var tcp = await ConnectAsync();
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(ClientOptions(targetHost, TrustOnly(_ca.Certificate)), _timeout.Token);
        await tls.WriteAsync("ping"u8.ToArray(), _timeout.Token);
        var echo = new byte[4];
        await tls.ReadExactlyAsync(echo, _timeout.Token);

        Assert.Equal("ping"u8.ToArray(), echo);
        var presented = Assert.IsType<X509Certificate2>(tls.RemoteCertificate, exactMatch: false);
        Assert.Equal(targetHost, presented.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        Assert.Null(await server);
    }

    [Fact]
    public async Task Handshake_ClientNotTrustingOurCa_Fails()
    {
        var server = ServeOneEchoAsync(fallbackName: "127.0.0.1");

        using var tcp = await ConnectAsync();
        await using var tls = new SslStream(tcp.GetStream());
        // No callback: the system trust store decides, and it does not know our CA.
        await Assert.ThrowsAsync<AuthenticationException>(
            () => tls.AuthenticateAsClientAsync(ClientOptions("localhost", validation: null), _timeout.Token));

        tls.Close(); // so the server's read ends and it reports how it failed
        Assert.NotNull(await server);
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync((IPEndPoint)_listener.LocalEndpoint, _timeout.Token);
        return tcp;
    }

    private static SslClientAuthenticationOptions ClientOptions(string targetHost, RemoteCertificateValidationCallback? validation) => new()
    {
        TargetHost = targetHost,
        RemoteCertificateValidationCallback = validation,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck, // no CRL/OCSP fetches on a closed network
    };

    /// <summary>Accepts one connection, echoes 4 bytes; returns the exception that ended it, if any.</summary>
    private async Task<Exception?> ServeOneEchoAsync(string fallbackName)
    {
        try
        {
            using var client = await _listener.AcceptTcpClientAsync(_timeout.Token);
            await using var tls = new SslStream(client.GetStream());
            // The proxy's pattern: pick the certificate from the client's SNI, else from the upstream host.
            await tls.AuthenticateAsServerAsync(
                (_, hello, _, _) => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = _ca.GetServerContext(string.IsNullOrEmpty(hello.ServerName) ? fallbackName : hello.ServerName),
                }),
                null, _timeout.Token);
            var buffer = new byte[4];
            await tls.ReadExactlyAsync(buffer, _timeout.Token);
            await tls.WriteAsync(buffer, _timeout.Token);
            return null;
        }
        // TLS 1.3: the server may finish its handshake before the client rejects the certificate,
        // so the failure can surface as an IOException on the next read (see STACK-NOTES 3a).
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return e;
        }
    }

    private static RemoteCertificateValidationCallback TrustOnly(X509Certificate2 ca) => (_, certificate, _, errors) =>
    {
        // A name mismatch stays fatal; only "unknown root" is ours to judge.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    };
}
