using System.Net;
using System.Net.Sockets;
using ImapProxy.Capture.Tls.Hello;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Tls;

/// <summary>
/// The ClientHello reader against Wireshark's: real clients' hellos (python3 ssl, openssl s_client, curl), read by our
/// parser and dissected by tshark from the same bytes, must give the same suites, extensions, SNI, ALPN, versions,
/// signature algorithms and random. (JA4 itself is checked against its specification's example: Ja4Tests.)
/// </summary>
public sealed class RealClientHelloTests
{
    [Theory]
    [InlineData("python3", "-c|import socket, ssl\nctx = ssl.create_default_context()\nctx.set_alpn_protocols(['imap', 'h2'])\n" +
        "s = socket.create_connection(('127.0.0.1', PORT))\ntry: ctx.wrap_socket(s, server_hostname='mail.example.test')\nexcept Exception: pass")]
    [InlineData("openssl", "s_client|-connect|127.0.0.1:PORT|-servername|imap.example.test|-alpn|imap")]
    [InlineData("openssl", "s_client|-connect|127.0.0.1:PORT|-noservername|-tls1_2")]
    [InlineData("curl", "--silent|imaps://localhost:PORT/")]
    public async Task Read_ARealClientsHello_AsWiresharkDissectsIt(string program, string arguments)
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var client = ProcessRunner.RunAsync(program, arguments.Replace("PORT", port.ToString()).Split('|'), ProxyHarness.Timeout, cts.Token);

        var wire = await ReadHelloAsync(listener, cts.Token);
        await client;

        var hello = ClientHello.Read(HandshakeRecords.ClientHelloBody(wire, out var error) ?? throw new Xunit.Sdk.XunitException(error), out error)
                    ?? throw new Xunit.Sdk.XunitException(error);
        var wireshark = await DissectAsync(wire, cts.Token);
        Assert.Equal(wireshark["tls.handshake.ciphersuite"], Hex(hello.CipherSuites));
        Assert.Equal(wireshark["tls.handshake.extension.type"], string.Join(',', hello.Extensions));
        Assert.Equal(wireshark["tls.handshake.extensions_server_name"], hello.ServerName ?? "");
        Assert.Equal(wireshark["tls.handshake.extensions_alpn_str"], string.Join(',', hello.Alpn.Select(ClientHello.AlpnText)));
        Assert.Equal(wireshark["tls.handshake.extensions.supported_version"], Hex(hello.SupportedVersions ?? []));
        Assert.Equal(wireshark["tls.handshake.sig_hash_alg"], Hex(hello.SignatureAlgorithms));
        Assert.Equal(wireshark["tls.handshake.random"], Convert.ToHexStringLower(hello.Random));
    }

    /// <summary>What the client sent until its ClientHello is whole (it then waits for the server, which never answers).</summary>
    private static async Task<byte[]> ReadHelloAsync(TcpListener listener, CancellationToken ct)
    {
        using var socket = await listener.AcceptSocketAsync(ct);
        var wire = new List<byte>();
        var buffer = new byte[4096];
        while (ClientOffer.Read(wire.ToArray()).Ja4 is null)
        {
            var n = await socket.ReceiveAsync(buffer, ct);
            if (n == 0) break;
            wire.AddRange(buffer.AsSpan(0, n));
        }
        return [.. wire];
    }

    private static readonly string[] Fields =
    [
        "tls.handshake.ciphersuite", "tls.handshake.extension.type", "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
        "tls.handshake.extensions.supported_version", "tls.handshake.sig_hash_alg", "tls.handshake.random",
    ];

    /// <summary>tshark's fields for the hello, from a capture text2pcap makes of the bytes (one TCP segment to port 993).</summary>
    private static async Task<Dictionary<string, string>> DissectAsync(byte[] wire, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("imapproxy-hello-").FullName;
        try
        {
            var dump = Path.Combine(directory, "hello.txt");
            var pcap = Path.Combine(directory, "hello.pcap");
            // text2pcap's input: an offset, then the bytes in hex.
            await File.WriteAllTextAsync(dump, "000000 " + string.Join(' ', wire.Select(b => b.ToString("x2"))) + "\n", ct);
            var convert = await ProcessRunner.RunAsync("text2pcap", ["-q", "-T", "50000,993", dump, pcap], ProxyHarness.Timeout, ct);
            Assert.True(convert.ExitCode == 0, convert.Output);
            var read = await ProcessRunner.RunAsync("tshark",
                ["-r", pcap, "-Y", "tls.handshake.type == 1", "-T", "fields", "-E", "separator=|", .. Fields.SelectMany(f => new[] { "-e", f })],
                ProxyHarness.Timeout, ct);
            Assert.True(read.ExitCode == 0, read.Output);
            var line = read.Output.Split('\n').Single(l => l.Count(c => c == '|') == Fields.Length - 1);
            return Fields.Zip(line.TrimEnd('\r').Split('|')).ToDictionary(p => p.First, p => p.Second);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Hex(IEnumerable<ushort> values) => string.Join(',', values.Select(v => $"0x{v:x4}"));
}
