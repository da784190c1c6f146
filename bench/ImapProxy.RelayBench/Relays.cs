using System.Net;
using System.Net.Sockets;
using ImapProxy.TestSupport;

namespace ImapProxy.RelayBench;

internal enum Mode
{
    Plaintext,
    Tls,
}

/// <summary>Somewhere a client can connect to reach Dovecot: Dovecot itself, socat, or ImapProxy (with the relay's process).</summary>
internal sealed record Target(string Name, Mode Mode, int Port, ChildProcess? Relay = null)
{
    public bool Tls => Mode == Mode.Tls;
    public override string ToString() => $"{Name} ({Mode.ToString().ToLowerInvariant()})";
}

/// <summary>
/// socat: a relay that parses nothing, the practical floor for the cost of one extra hop. Started with a
/// <c>storeDirectory</c>, it also writes every byte it relays to a file per direction (its <c>-r</c> and <c>-R</c> raw
/// dumps): the least a relay that keeps every byte must do, the bulk reference named <see cref="StoringName"/>.
/// </summary>
internal static class Socat
{
    public const string StoringName = "socat+store";

    public static ChildProcess Start(Mode mode, int port, int upstreamPort, string certFile, string keyFile, string logFile,
        string? storeDirectory = null)
    {
        string[] relay = mode == Mode.Plaintext
            ? [$"TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr", $"TCP:127.0.0.1:{upstreamPort}"]
            : [$"OPENSSL-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr,cert={certFile},key={keyFile},verify=0",
               $"OPENSSL:127.0.0.1:{upstreamPort},verify=0"];
        var modeName = mode.ToString().ToLowerInvariant();
        string[] store = storeDirectory is null
            ? []
            : ["-r", Path.Combine(storeDirectory, $"socat-{modeName}-from-client.raw"), "-R", Path.Combine(storeDirectory, $"socat-{modeName}-from-server.raw")];
        var name = storeDirectory is null ? "socat" : StoringName;
        return ChildProcess.Start($"{name} ({modeName})", "socat", [.. store, .. relay], logFile);
    }

    /// <summary>A self-signed certificate and key (PEM files) for socat's TLS listener, Dovecot's kind: RSA 2048.</summary>
    public static (string CertFile, string KeyFile) WriteCertificate(string directory)
    {
        var certFile = Path.Combine(directory, "socat-cert.pem");
        var keyFile = Path.Combine(directory, "socat-key.pem");
        TestCertificate.Create().WritePemFiles(certFile, keyFile);
        return (certFile, keyFile);
    }
}

/// <summary>
/// mitmdump (mitmproxy), the intercepting proxy users would otherwise reach for, as a second reference beside socat:
/// it relays IMAP as raw TCP messages and parses nothing of it. Only where Debian's mitmproxy package is installed.
/// </summary>
internal static class Mitmdump
{
    public static bool Installed => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Any(directory => File.Exists(Path.Combine(directory, "mitmdump")));

    public static ChildProcess Start(Mode mode, int port, int upstreamPort, string directory)
    {
        // Reverse mode to Dovecot; tcp_hosts makes every connection raw TCP, since IMAP is not HTTP. The server speaks
        // first: plaintext connects upstream as the client connects (eager, the default); implicit TLS must wait for the
        // client's hello (lazy) to answer it with mitmproxy's certificate before the upstream handshake.
        string[] args =
        [
            "--quiet", "--listen-host", "127.0.0.1", "--listen-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--mode", $"reverse:{(mode == Mode.Plaintext ? "http" : "https")}://127.0.0.1:{upstreamPort}",
            "--set", "tcp_hosts=.*", "--set", $"connection_strategy={(mode == Mode.Plaintext ? "eager" : "lazy")}",
            "--ssl-insecure", "--set", $"confdir={Path.Combine(directory, "mitmproxy")}",
        ];
        var name = $"mitmdump ({mode.ToString().ToLowerInvariant()})";
        return ChildProcess.Start(name, "mitmdump", args, Path.Combine(directory, $"mitmdump-{mode.ToString().ToLowerInvariant()}.log"));
    }
}

/// <summary>The published imapproxy, run as a child process in front of Dovecot with capture on, in a directory of its own.</summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    private ProxyProcess(ChildProcess process, string directory, int plainPort, int tlsPort, string upstreamHost)
    {
        UpstreamHost = upstreamHost;
        Process = process;
        Directory = directory;
        PlainPort = plainPort;
        TlsPort = tlsPort;
    }

    public ChildProcess Process { get; }

    /// <summary>How the proxy was told Dovecot's host: <see cref="UpstreamName"/> or <see cref="UpstreamAddress"/>.</summary>
    public string UpstreamHost { get; }
    public string Directory { get; }
    public int PlainPort { get; }
    public int TlsPort { get; }
    public string DatabaseFile => Path.Combine(Directory, "data", "imapproxy.db");

    /// <summary>The listener a client of <paramref name="mode"/> uses: plaintext on both legs, or TLS on both legs.</summary>
    public int Port(Mode mode) => mode == Mode.Plaintext ? PlainPort : TlsPort;

    /// <summary>
    /// How the benchmark's proxies name Dovecot: by host name, as users name their IMAP server (servers' certificates
    /// name hosts; one for an address is rare). It must resolve to 127.0.0.1, where Dovecot listens; its test
    /// certificate carries both.
    /// </summary>
    public const string UpstreamName = "localhost";

    /// <summary>Dovecot named by its address instead: .NET then keeps no TLS context or session for the upstream leg
    /// (it caches them by server name), so each TLS session holds its own; the idle part measures both.</summary>
    public const string UpstreamAddress = "127.0.0.1";

    /// <param name="mode">Plaintext: upstream-tls none to Dovecot's plain port. TLS: implicit TLS to its imaps port.</param>
    /// <param name="upstreamHost">How the proxy is told Dovecot's host (<see cref="UpstreamName"/> or <see cref="UpstreamAddress"/>).</param>
    public static async Task<ProxyProcess> StartAsync(string proxyDll, string directory, Mode mode, int upstreamPort, string upstreamCaFile,
        IReadOnlyDictionary<string, string> environment, string upstreamHost, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(directory);
        var (plain, tls, dashboard) = (FreePort(), FreePort(), FreePort());
        string[] args =
        [
            proxyDll,
            "--upstream", $"{upstreamHost}:{upstreamPort}", "--upstream-tls", mode == Mode.Plaintext ? "none" : "implicit",
            "--listen", $"127.0.0.1:{plain}", "--listen-tls", $"127.0.0.1:{tls}", "--dashboard", $"http://127.0.0.1:{dashboard}",
            // Every benchmark client comes from 127.0.0.1: lift the per-client limit above the largest --sessions.
            "--max-sessions-per-client", "100000", "--max-sessions", "100000",
            "--data", Path.Combine(directory, "data"), "--ca-dir", Path.Combine(directory, "certs"), "--upstream-ca", upstreamCaFile,
        ];
        var process = ChildProcess.Start($"imapproxy ({mode.ToString().ToLowerInvariant()})", "dotnet", args,
            Path.Combine(directory, "imapproxy.log"), environment);
        var proxy = new ProxyProcess(process, directory, plain, tls, upstreamHost);
        try
        {
            await Readiness.WaitForGreetingAsync(new Target("imapproxy", mode, proxy.Port(mode)), process, ct);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync() => await Process.DisposeAsync();

    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

internal static class Readiness
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Retries a full connect (TLS included) until the target greets, or fails when its process exits or time runs out.</summary>
    public static async Task WaitForGreetingAsync(Target target, ChildProcess? process, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            process?.ThrowIfExited();
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attempt.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await using var client = await RawImapClient.ConnectAsync(target.Port, target.Tls, RawImapClient.SmallBufferSize, attempt.Token);
                await client.LogoutAsync(attempt.Token);
                return;
            }
            catch (Exception e) when (e is SocketException or IOException or ImapException or System.Security.Authentication.AuthenticationException
                                           or OperationCanceledException && !ct.IsCancellationRequested)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{target} did not greet within {Timeout.TotalSeconds:0} s: {e.Message}");
                await Task.Delay(200, ct);
            }
        }
    }
}
