using System.Diagnostics;
using System.Text.RegularExpressions;
using ImapProxy.Storage;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Proxy;

/// <summary>
/// Issue 15, item 12: with --tls-keylog, Wireshark decrypts a capture of the real traffic on both legs. The proxy runs
/// as a process of its own, as a user starts it: .NET reads its key log settings once per process.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class TlsKeyLogTests(DovecotFixture fixture)
{
    private DovecotServer Dovecot => fixture.Server;

    [Fact]
    public async Task KeyLog_LetsTsharkDecryptALiveCaptureOfBothLegs()
    {
        var directory = Directory.CreateTempSubdirectory("imapproxy-keylog-").FullName;
        try
        {
            var keyLog = Path.Combine(directory, "tls-keys.log");
            var upstreamCa = Path.Combine(directory, "dovecot-ca.pem");
            await File.WriteAllTextAsync(upstreamCa, Dovecot.Certificate.ExportCertificatePem());
            await using var proxy = Support.Cli.Start(directory, new Dictionary<string, string>(),
                "--upstream", $"{DovecotServer.Host}:{Dovecot.ImapsPort}", "--upstream-tls", "implicit", "--upstream-ca", upstreamCa,
                "--listen-tls", "127.0.0.1:0", "--dashboard", "http://127.0.0.1:0", "--tls-keylog", keyLog);
            var log = string.Join('\n', await proxy.ReadUntilAsync(line => line.Contains("TLS KEY LOG ON", StringComparison.Ordinal)));
            var tlsPort = int.Parse(Regex.Match(log, @"Listening on 127\.0\.0\.1:(\d+) \(Tls\)").Groups[1].Value);
            Assert.Equal(OwnerOnly.ReadWrite, File.GetUnixFileMode(keyLog));
            Assert.Contains($"WRN TLS KEY LOG ON (--tls-keylog): the secrets of every TLS connection, both legs, go to {keyLog}", log);
            // Loud on the status page too.
            using (var http = new HttpClient { BaseAddress = new Uri(Regex.Match(log, @"Dashboard on (http://127\.0\.0\.1:\d+)").Groups[1].Value) })
            {
                var status = await http.GetStringAsync("/status");
                Assert.Contains("<strong>TLS key log on (--tls-keylog):</strong>", status);
                Assert.Contains($"<code>{keyLog}</code>", status);
            }

            // tshark decodes both legs' TLS as IMAP with the proxy's key log, live; each packet is printed as it comes
            // (its ports, and the IMAP line it carries once decrypted, if any).
            await using var tshark = new Support.Cli.Running(Process.Start(new ProcessStartInfo("tshark",
            [
                "-i", "lo", "-l", "-f", $"tcp port {tlsPort} or tcp port {Dovecot.ImapsPort}", "-o", $"tls.keylog_file:{keyLog}",
                "-d", $"tls.port=={tlsPort},imap", "-d", $"tls.port=={Dovecot.ImapsPort},imap",
                "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "imap.line",
            ]) { RedirectStandardOutput = true, RedirectStandardError = true })!);
            await tshark.ReadUntilAsync(line => line.StartsWith("Capturing on", StringComparison.Ordinal));
            await WaitUntilCapturingAsync(tshark);

            var pythonKeyLog = Path.Combine(directory, "python-keys.log");
            var script = $$"""
                import imaplib, ssl
                context = ssl.create_default_context(cafile='{{Path.Combine(directory, "certs", "imapproxy-ca.pem")}}')
                context.keylog_filename = '{{pythonKeyLog}}'
                imap = imaplib.IMAP4_SSL("localhost", {{tlsPort}}, ssl_context=context)
                imap.login("alice", '{{DovecotUser.Alice.Password}}')
                imap.noop()
                imap.logout()
                """;
            using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
            var python = await ProcessRunner.RunAsync("python3", ["-c", script], ProxyHarness.Timeout, cts.Token);
            Assert.True(python.ExitCode == 0, python.Output);

            // Until the server's answer to LOGOUT has been decrypted on both legs: Dovecot's to the proxy, the proxy's to python.
            var (client, upstream) = ($"{tlsPort}", $"{Dovecot.ImapsPort}");
            var seen = new List<string[]>();
            await tshark.ReadUntilAsync(line =>
            {
                // Its stderr (notices) comes on the same reader: a packet is three tab-separated fields.
                if (line.Split('\t') is { Length: 3 } fields && fields[2] != "") seen.Add(fields);
                return seen.Any(f => f[0] == upstream && f[2].Contains("OK Logout")) && seen.Any(f => f[0] == client && f[2].Contains("OK Logout"));
            });
            // The client's LOGIN, as it crossed each leg: decrypted, so the key log holds both legs' secrets.
            Assert.Contains(seen, f => f[1] == client && f[2].Contains("LOGIN alice"));
            Assert.Contains(seen, f => f[1] == upstream && f[2].Contains("LOGIN alice"));

            // The client leg's secrets are the ones python derived on its side, line for line (NSS key log format).
            var proxyLines = File.ReadAllLines(keyLog);
            var pythonLines = File.ReadAllLines(pythonKeyLog).Where(line => !line.StartsWith('#')).ToList();
            Assert.Superset(pythonLines.ToHashSet(), proxyLines.ToHashSet());
            Assert.Contains(pythonLines, line => line.StartsWith("CLIENT_TRAFFIC_SECRET_0 ", StringComparison.Ordinal));
            Assert.Equal(2, proxyLines.Select(line => line.Split(' ')[1]).Distinct().Count());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// tshark says "Capturing on" a moment before it captures, and a client handshake it misses cannot be decrypted
    /// (the full suite's load once made it so). Bare connections to Dovecot (no TLS: nothing in the key log) until
    /// tshark prints one of them, each given two seconds.
    /// </summary>
    private async Task WaitUntilCapturingAsync(Support.Cli.Running tshark)
    {
        for (var attempt = 1; attempt <= 15; attempt++)
        {
            string port;
            using (var probe = new System.Net.Sockets.TcpClient())
            {
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, Dovecot.ImapsPort);
                port = $"{((System.Net.IPEndPoint)probe.Client.LocalEndPoint!).Port}";
            }
            try
            {
                await tshark.ReadUntilAsync(line => line.Split('\t') is { Length: 3 } fields && fields[0] == port, TimeSpan.FromSeconds(2));
                return;
            }
            catch (OperationCanceledException)
            {
                // Not capturing yet: another probe.
            }
        }
        throw new TimeoutException("tshark printed none of 15 probe connections in 30 s: it is not capturing on lo");
    }
}
