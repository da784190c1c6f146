namespace ImapProxy.TestSupport;

/// <summary>The installed <c>dovecot</c> and <c>doveconf</c> programs.</summary>
internal sealed record DovecotBinaries(string Dovecot, string Doveconf)
{
    // A missing Dovecot must fail the tests loudly, never skip them: say how to get it.
    public const string InstallHint =
        "Dovecot is not installed, but the tests need a real Dovecot IMAP server. " +
        "Install it with `apt-get install dovecot-imapd`, or run ./test.sh, which installs it.";

    public static DovecotBinaries Locate(IEnumerable<string>? searchPath = null)
    {
        var directories = (searchPath ?? Executables.DefaultSearchPath).ToArray();
        var dovecot = Executables.Find("dovecot", directories);
        var doveconf = Executables.Find("doveconf", directories);
        if (dovecot is null || doveconf is null)
        {
            throw new InvalidOperationException($"{InstallHint} (searched {string.Join(':', directories)})");
        }
        return new DovecotBinaries(dovecot, doveconf);
    }
}
