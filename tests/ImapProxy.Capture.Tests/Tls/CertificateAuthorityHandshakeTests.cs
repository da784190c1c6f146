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

    private const string Upstream = "imap.example.test";

    // With SNI the leaf names what the client asked for; without (a client that dialled an IP address) it names the
    // upstream host and the address dialled, which is what such a client checks.
    [Theory]
    [InlineData("localhost", "DNS:localhost")]
    [InlineData("127.0.0.1", "DNS:imap.example.test IP:127.0.0.1")]
    public async Task Handshake_ClientTrustingOurCa_GetsALeafOfOurCaForTheNameItChecks(string targetHost, string names)
    {
        var server = ServeOneEchoAsync();

        using var tcp = await ConnectAsync();
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(ClientOptions(targetHost, TrustOnly(_ca.Certificate)), _timeout.Token);
        await tls.WriteAsync("ping"u8.ToArray(), _timeout.Token);
        var echo = new byte[4];
        await tls.ReadExactlyAsync(echo, _timeout.Token);

        Assert.Equal("ping"u8.ToArray(), echo);
        var presented = Assert.IsType<X509Certificate2>(tls.RemoteCertificate, exactMatch: false);
        var san = presented.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(names, string.Join(" ", san.EnumerateDnsNames().Select(n => "DNS:" + n).Concat(san.EnumerateIPAddresses().Select(a => "IP:" + a))));
        Assert.Equal(names.Split(' ')[0][4..], presented.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        // Exactly two links: the leaf, signed by this CA (not merely one of the same name) as the root.
        using var chain = CustomRootChain(_ca.Certificate);
        Assert.True(chain.Build(presented), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal([presented.Thumbprint, _ca.Certificate.Thumbprint], chain.ChainElements.Select(e => e.Certificate.Thumbprint));
        Assert.Null(await server);
    }

    [Fact]
    public async Task Handshake_ClientTrustingAnotherImapProxyCa_IsRefused()
    {
        // Another install's CA has the same subject; only our key's signature may make the leaf trusted.
        using var otherDirectory = new TempDirectory();
        using var other = CertificateAuthority.LoadOrCreate(otherDirectory.Path);
        Assert.Equal(_ca.Certificate.Subject, other.Certificate.Subject);
        var server = ServeOneEchoAsync();

        using var tcp = await ConnectAsync();
        await using var tls = new SslStream(tcp.GetStream());
        await Assert.ThrowsAsync<AuthenticationException>(
            () => tls.AuthenticateAsClientAsync(ClientOptions("localhost", TrustOnly(other.Certificate)), _timeout.Token));

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
    private async Task<Exception?> ServeOneEchoAsync()
    {
        try
        {
            using var client = await _listener.AcceptTcpClientAsync(_timeout.Token);
            await using var tls = new SslStream(client.GetStream());
            // The proxy's choice, as its listeners make it: the client's SNI, else the upstream host and the address dialled.
            var dialled = ((IPEndPoint)client.Client.LocalEndPoint!).Address;
            await tls.AuthenticateAsServerAsync(
                (_, hello, _, _) => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = _ca.GetServerContext(hello.ServerName, dialled, Upstream),
                }),
                null, _timeout.Token);
            var buffer = new byte[4];
            await tls.ReadExactlyAsync(buffer, _timeout.Token);
            await tls.WriteAsync(buffer, _timeout.Token);
            return null;
        }
        // TLS 1.3: the server may finish its handshake before the client rejects the certificate,
        // so the failure can surface as an IOException on the next read.
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
        using var chain = CustomRootChain(ca);
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    };

    private static X509Chain CustomRootChain(X509Certificate2 ca)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain;
    }
}
