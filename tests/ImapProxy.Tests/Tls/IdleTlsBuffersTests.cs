using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ImapProxy.Tests.Support;
using ImapProxy.Tls;

namespace ImapProxy.Tests.Tls;

/// <summary>
/// OpenSSL's release-buffers mode, set through SslStream's private state: it must apply on the runtime the proxy
/// ships on (if a .NET update moves that state, this fails and says the idle TLS memory saving is gone), and a
/// connection that has it must carry bytes exactly, in both directions, across idle pauses and large records.
/// </summary>
public sealed class IdleTlsBuffersTests
{
    [Fact]
    public async Task BothEnds_TakeTheMode_AndStillCarryEveryByte()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var (server, client) = await ConnectAsync(cts.Token);
        await using var _ = server;
        await using var __ = client;

        Assert.True(IdleTlsBuffers.Supported, "SslStream's security context or OpenSSL 3 is not where IdleTlsBuffers looks for it");
        Assert.True(IdleTlsBuffers.Release(server));
        Assert.True(IdleTlsBuffers.Release(client));

        // Sizes around the 16 KiB record limit, a tiny one after each (a buffer freed when drained is allocated again).
        var sizes = new[] { 1, 16_384, 16_385, 5, 1_000_000, 3 };
        foreach (var size in sizes)
        {
            var up = RandomNumberGenerator.GetBytes(size);
            var down = RandomNumberGenerator.GetBytes(size);
            var sent = Task.WhenAll(client.WriteAsync(up, cts.Token).AsTask(), server.WriteAsync(down, cts.Token).AsTask());
            Assert.Equal(up, await ReadExactlyAsync(server, size, cts.Token));
            Assert.Equal(down, await ReadExactlyAsync(client, size, cts.Token));
            await sent;
        }
    }

    [Fact]
    public async Task AStreamNotYetAuthenticated_IsLeftAlone()
    {
        await using var ssl = new SslStream(new MemoryStream());

        Assert.False(IdleTlsBuffers.Release(ssl));
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count, CancellationToken ct)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, ct);
        return buffer;
    }

    private static async Task<(SslStream Server, SslStream Client)> ConnectAsync(CancellationToken ct)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var selfSigned = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificate = X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pfx), null);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, ct);
        var accepted = await listener.AcceptTcpClientAsync(ct);
        var server = new SslStream(accepted.GetStream(), leaveInnerStreamOpen: false);
        var client = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await Task.WhenAll(
            server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, ct),
            client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true }, ct));
        return (server, client);
    }
}
