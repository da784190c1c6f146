namespace ImapProxy.TestSupport;

/// <summary>How to set up a <see cref="DovecotServer"/>. The defaults suit most tests.</summary>
public sealed record DovecotOptions
{
    /// <summary>Accounts besides <see cref="DovecotUser.Alice"/> and <see cref="DovecotUser.Bob"/>.</summary>
    public IReadOnlyList<DovecotUser> AdditionalUsers { get; init; } = [];

    /// <summary>
    /// Makes Dovecot record every post-login session's raw bytes under
    /// <see cref="DovecotServer.RawlogDirectory"/>: an independent record of what the server received and sent.
    /// </summary>
    public bool Rawlog { get; init; }

    /// <summary>
    /// imap processes started ahead of logins. Forking is slow in this sandbox: without spares,
    /// a burst of 200 logins waits 10–20 s for its greetings.
    /// </summary>
    public int PrewarmedImapProcesses { get; init; } = 16;

    /// <summary>
    /// Sessions one imap process serves at once. 1 (Dovecot's default) isolates sessions but costs a fork per
    /// session: 500 sessions take 10–15 s to log in here. More is faster, but a session busy with a large
    /// FETCH then stalls the others in its process.
    /// </summary>
    public int SessionsPerImapProcess { get; init; } = 1;

    /// <summary>Upper bound on concurrent IMAP sessions (and per user and IP).</summary>
    public int MaxSessions { get; init; } = 1000;

    /// <summary>How long to wait for both ports to greet after starting Dovecot.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(20);

    internal IReadOnlyList<DovecotUser> AllUsers() => [DovecotUser.Alice, DovecotUser.Bob, .. AdditionalUsers];
}
