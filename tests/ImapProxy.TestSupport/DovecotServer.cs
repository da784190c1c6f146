using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Imap;
using MailKit.Security;

namespace ImapProxy.TestSupport;

/// <summary>
/// A real, throwaway Dovecot on 127.0.0.1 with its own config, ports, users, certificate and mail,
/// all in one temporary directory that disposing removes.
/// </summary>
public sealed partial class DovecotServer : IAsyncDisposable
{
    public const string Host = "127.0.0.1";

    private readonly DovecotLayout layout;
    private readonly MailSystemUser mailUser;
    private readonly DovecotOptions options;
    private readonly int masterPid;
    private int disposed;

    private DovecotServer(DovecotLayout layout, MailSystemUser mailUser, DovecotOptions options, TestCertificate certificate,
        int masterPid, int imapPort, int imapsPort)
    {
        this.layout = layout;
        this.mailUser = mailUser;
        this.options = options;
        this.masterPid = masterPid;
        Certificate = certificate.PublicCertificate;
        ImapPort = imapPort;
        ImapsPort = imapsPort;
        Users = options.AllUsers();
    }

    /// <summary>Plain IMAP; STARTTLS is offered.</summary>
    public int ImapPort { get; }

    /// <summary>IMAP over implicit TLS.</summary>
    public int ImapsPort { get; }

    /// <summary>The server's self-signed certificate (public part only) for clients to trust.</summary>
    public X509Certificate2 Certificate { get; }

    public IReadOnlyList<DovecotUser> Users { get; }

    public string RootDirectory => layout.Root;
    public string ConfigFile => layout.ConfigFile;
    public string LogFile => layout.LogFile;
    public TimeSpan StartupDuration { get; private set; }

    /// <summary>Trusts exactly <see cref="Certificate"/> (pinned by its bytes), and nothing else.</summary>
    public RemoteCertificateValidationCallback CertificateValidationCallback => (_, certificate, _, _) => IsTestCertificate(certificate);

    public bool IsTestCertificate(X509Certificate? certificate) =>
        certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(Certificate.RawData);

    public DovecotUser User(string name) =>
        Users.FirstOrDefault(u => u.Name == name) ?? throw new ArgumentException($"no test user '{name}'", nameof(name));

    /// <summary>Where Dovecot writes <c>DATE-TIME.PID.N.in</c>/<c>.out</c> for each post-login session of <paramref name="user"/>.</summary>
    public string RawlogDirectory(string user)
    {
        if (!options.Rawlog) throw new InvalidOperationException("rawlog is off; start the server with DovecotOptions { Rawlog = true }");
        return layout.Rawlog(User(user).Name);
    }

    public string MaildirPath(string user) => layout.Maildir(User(user).Name);

    public string ReadLog() => File.Exists(layout.LogFile) ? File.ReadAllText(layout.LogFile) : "";

    /// <summary>Writes raw RFC 5322 messages into <paramref name="user"/>'s mailbox as Maildir files (fast; no IMAP).</summary>
    public Task SeedMaildirAsync(string user, IEnumerable<byte[]> messages, string mailbox = "INBOX", bool seen = false,
        CancellationToken ct = default) =>
        new MaildirWriter(MaildirPath(user), mailUser.Uid, mailUser.Gid).WriteAsync(mailbox, messages, seen, ct);

    /// <summary>A MailKit client that trusts this server's certificate and skips revocation checks (there is no CRL).</summary>
    public ImapClient CreateImapClient() => new()
    {
        CheckCertificateRevocation = false,
        ServerCertificateValidationCallback = CertificateValidationCallback,
        Timeout = 30_000,
    };

    /// <summary>A MailKit client connected (implicit TLS port for SslOnConnect, else the plain port) and logged in.</summary>
    public async Task<ImapClient> ConnectAsync(DovecotUser user, SecureSocketOptions security = SecureSocketOptions.None,
        CancellationToken ct = default)
    {
        var client = CreateImapClient();
        try
        {
            var port = security == SecureSocketOptions.SslOnConnect ? ImapsPort : ImapPort;
            await client.ConnectAsync(Host, port, security, ct);
            await client.AuthenticateAsync(user.Name, user.Password, ct);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Stops Dovecot and all its processes (SIGTERM, then SIGKILL) and deletes the temporary directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        await ProcessGroup.StopAsync(masterPid, TimeSpan.FromSeconds(10));
        Directory.Delete(layout.Root, recursive: true);
    }
}
