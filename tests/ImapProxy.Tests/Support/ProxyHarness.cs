using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ImapProxy.Capture.Relay;
using ImapProxy.Cli;
using ImapProxy.Tls;
using ImapProxy.Hosting;
using ImapProxy.Storage;
using ImapProxy.Storage.Writing;
using ImapProxy.Storage.Sqlite;
using ImapProxy.TestSupport;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;

namespace ImapProxy.Tests.Support;

/// <summary>
/// The real imapproxy host, started in-process on random loopback ports in front of a real Dovecot,
/// with its own data and CA directories. Disposing stops it the way Ctrl+C would.
/// </summary>
internal sealed class ProxyHarness : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource stop = new();
    private readonly string directory;
    private Task<int>? run;

    private ProxyHarness(string directory) => this.directory = directory;

    public IServiceProvider Services { get; private set; } = null!;
    public int PlainPort { get; private set; }
    public int TlsPort { get; private set; }
    public Uri Dashboard { get; private set; } = null!;
    public string DataDirectory => Path.Combine(directory, "data");
    public string CaDirectory => Path.Combine(directory, "certs");

    /// <summary>The test Dovecot's certificate (PEM), which the proxy trusts for its upstream; replays trust it too.</summary>
    public string UpstreamCaFile => Path.Combine(directory, "dovecot-ca.pem");
    /// <summary>What the proxy wrote to its terminal beside the log (the dashboard's access token).</summary>
    public StringWriter Terminal { get; } = new();
    public EventStore Store => Services.GetRequiredService<EventStore>();
    public CertificateAuthority Ca => Services.GetRequiredService<CertificateAuthority>();

    /// <summary>Starts the proxy in front of <paramref name="dovecot"/>; <paramref name="args"/> add to or override the defaults.</summary>
    public static async Task<ProxyHarness> StartAsync(DovecotServer dovecot, string upstreamTls, params string[] args)
    {
        var harness = new ProxyHarness(Directory.CreateTempSubdirectory("imapproxy-test-").FullName);
        var upstreamCa = harness.UpstreamCaFile;
        await File.WriteAllTextAsync(upstreamCa, dovecot.Certificate.ExportCertificatePem());
        var port = upstreamTls == "implicit" ? dovecot.ImapsPort : dovecot.ImapPort;
        (string Option, string Value)[] defaults =
        [
            ("--upstream", $"{DovecotServer.Host}:{port}"), ("--upstream-tls", upstreamTls),
            ("--listen", "127.0.0.1:0"), ("--listen-tls", "127.0.0.1:0"), ("--dashboard", "http://127.0.0.1:0"),
            ("--data", harness.DataDirectory), ("--ca-dir", harness.CaDirectory),
            .. args.Contains("--upstream-insecure") || args.Contains("--no-upstream-ca") ? [] : new[] { ("--upstream-ca", upstreamCa) },
        ];
        // An option in args overrides its default (an option is given once).
        string[] all =
        [
            .. defaults.Where(d => !args.Contains(d.Option)).SelectMany(d => new[] { d.Option, d.Value }),
            .. args.Where(a => a != "--no-upstream-ca"),
        ];
        await harness.StartAsync(all);
        return harness;
    }

    private async Task StartAsync(string[] args)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        run = Task.Run(() => ProxyHost.RunAsync(CommandTable.ProxyConfiguration(args), Terminal, app =>
        {
            Services = app.Services;
            var listeners = app.Services.GetRequiredService<BoundListeners>().All;
            PlainPort = listeners.First(l => l.Kind == Recording.Events.ListenerKind.Plain).EndPoint.Port;
            TlsPort = listeners.First(l => l.Kind == Recording.Events.ListenerKind.Tls).EndPoint.Port;
            Dashboard = new Uri(app.Urls.First());
            started.SetResult();
        }, stop.Token));
        var first = await Task.WhenAny(started.Task, run).WaitAsync(Timeout);
        if (first == run) throw new InvalidOperationException($"the proxy exited with code {await run} instead of starting");
    }

    /// <summary>Waits until everything published so far is in the database.</summary>
    public async Task FlushStoreAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await Services.GetRequiredService<EventStoreWriter>().WaitUntilWrittenAsync(cts.Token);
    }

    /// <summary>Waits until the proxy has no session open (they close asynchronously after the client leaves).</summary>
    /// <param name="started">Sessions the proxy must have started first: a client that leaves at once may be gone
    /// before its session starts, and "none open" would then be true too early.</param>
    public async Task WaitForSessionsToCloseAsync(int started = 0)
    {
        var counters = Services.GetRequiredService<ProxyCounters>();
        using var cts = new CancellationTokenSource(Timeout);
        while (counters.TotalSessions < started || counters.ActiveSessions > 0) await Task.Delay(10, cts.Token);
        await FlushStoreAsync();
    }

    /// <summary>Trusts exactly the proxy's CA, as a client that installed it would.</summary>
    public RemoteCertificateValidationCallback TrustProxyCa => (_, certificate, _, errors) =>
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    };

    /// <summary>A MailKit client connected through the proxy and logged in.</summary>
    public async Task<ImapClient> ConnectAsync(DovecotUser user, SecureSocketOptions security, CancellationToken ct)
    {
        var client = new ImapClient { CheckCertificateRevocation = false, ServerCertificateValidationCallback = TrustProxyCa, Timeout = (int)Timeout.TotalMilliseconds };
        var port = security == SecureSocketOptions.SslOnConnect ? TlsPort : PlainPort;
        await client.ConnectAsync(IPAddress.Loopback.ToString(), port, security, ct);
        await client.AuthenticateAsync(user.Name, user.Password, ct);
        return client;
    }

    /// <summary>
    /// One MailKit session of alice through the implicit-TLS listener: <paramref name="work"/>, or opening INBOX
    /// read-only; then LOGOUT. Returns the session's id once it is closed and stored.
    /// </summary>
    public async Task<long> RecordSessionAsync(CancellationToken ct, Func<ImapClient, Task>? work = null)
    {
        using (var client = await ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, ct))
        {
            if (work is null) await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, ct);
            else await work(client);
            if (client.IsConnected) await client.DisconnectAsync(true, ct);
        }
        await WaitForSessionsToCloseAsync();
        return Store.GetSessions(1).Single().Id;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (run is not null) await run.WaitAsync(Timeout);
        stop.Dispose();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
