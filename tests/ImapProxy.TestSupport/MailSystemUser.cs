namespace ImapProxy.TestSupport;

/// <summary>
/// The unprivileged system user that owns the test mail. Dovecot refuses to run mail processes as root,
/// so every mail user of the test server maps to this one uid/gid (mail_uid, userdb static).
/// </summary>
internal sealed record MailSystemUser(string Name, int Uid, int Gid)
{
    public const string DefaultName = "imapproxy-mail";

    private static readonly SemaphoreSlim CreateGate = new(1, 1);

    public static async Task<MailSystemUser> EnsureAsync(CancellationToken ct)
    {
        await CreateGate.WaitAsync(ct);
        try
        {
            if (Find(DefaultName) is { } existing) return existing;
            var (exitCode, output) = await ProcessRunner.RunAsync(
                Executables.Require("useradd"),
                ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                 "--shell", "/usr/sbin/nologin", DefaultName],
                TimeSpan.FromSeconds(30), ct);
            // Another test process may have created it between our look and useradd (exit code 9), which is fine.
            return Find(DefaultName)
                ?? throw new InvalidOperationException($"useradd {DefaultName} failed with exit code {exitCode}: {output}");
        }
        finally
        {
            CreateGate.Release();
        }
    }

    // useradd --system writes to /etc/passwd, so reading it is enough (no NSS lookup needed).
    private static MailSystemUser? Find(string name)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 4 && fields[0] == name)
            {
                return new MailSystemUser(name, int.Parse(fields[2]), int.Parse(fields[3]));
            }
        }
        return null;
    }
}
