namespace ImapProxy.TestSupport;

/// <summary>Where everything of one test server lives, all under one temporary directory.</summary>
internal sealed record DovecotLayout(string Root)
{
    public string ConfigFile => Path.Combine(Root, "dovecot.conf");
    public string PasswdFile => Path.Combine(Root, "users.passwd");
    public string CertificateFile => Path.Combine(Root, "cert.pem");
    public string PrivateKeyFile => Path.Combine(Root, "key.pem");
    public string LogFile => Path.Combine(Root, "dovecot.log");

    // Dovecot keeps its stderr open for its whole life; it goes to this file (see DovecotServer.LaunchAsync).
    public string StderrFile => Path.Combine(Root, "dovecot.stderr");

    // Short on purpose: base_dir holds UNIX sockets, whose paths are limited to 108 bytes.
    public string BaseDir => Path.Combine(Root, "run");
    public string StateDir => Path.Combine(Root, "state");
    public string MasterPidFile => Path.Combine(BaseDir, "master.pid");
    public string HomesDir => Path.Combine(Root, "home");
    public string RawlogsDir => Path.Combine(Root, "rawlog");

    public string Home(string user) => Path.Combine(HomesDir, user);
    public string Maildir(string user) => Path.Combine(Home(user), "Maildir");
    public string Rawlog(string user) => Path.Combine(RawlogsDir, user);
}
