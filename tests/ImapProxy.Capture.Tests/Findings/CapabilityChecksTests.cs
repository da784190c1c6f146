using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// A client using an extension the server never announced (each extension's RFC forbids it), credentials in clear,
/// and capabilities that vanish at login: what each finding says, against the RFC section that decides it.
/// </summary>
public class CapabilityChecksTests
{
    /// <summary>Logged in to a server that announced <paramref name="afterLogin"/> at login; LITERAL+ so that scripts need no continuation.</summary>
    private static ScriptedSession LoggedIn(string afterLogin) => new ScriptedSession()
        .Server("* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] ready\r\n")
        .Client("a1 LOGIN alice secret\r\n")
        .Server($"a1 OK [CAPABILITY {afterLogin}] Logged in\r\n");

    private static ScriptedSession Selected(string afterLogin) => LoggedIn(afterLogin)
        .Client("a2 SELECT INBOX\r\n")
        .Server("* 3 EXISTS\r\n* OK [UIDVALIDITY 1700] ok\r\na2 OK [READ-WRITE] done\r\n");

    [Theory]
    [InlineData("UID EXPUNGE 1:2", "UID EXPUNGE needs UIDPLUS")]                           // RFC 4315 §2.1
    [InlineData("NAMESPACE", "NAMESPACE needs NAMESPACE")]                                 // RFC 2342 §5
    [InlineData("ID NIL", "ID needs ID")]                                                  // RFC 2971 §3.1
    [InlineData("UNSELECT", "UNSELECT needs UNSELECT")]                                    // RFC 3691 §2
    [InlineData("IDLE", "IDLE needs IDLE")]                                                // RFC 2177 §3
    [InlineData("GETQUOTAROOT INBOX", "GETQUOTAROOT needs QUOTA")]                         // RFC 9208 §3
    [InlineData("GETQUOTA \"\"", "GETQUOTA needs QUOTA")]
    [InlineData("SETQUOTA \"\" (STORAGE 512)", "SETQUOTA needs QUOTA")]
    [InlineData("SORT (DATE) UTF-8 ALL", "SORT needs SORT")]                               // RFC 5256 §3
    [InlineData("UID SORT (DATE) UTF-8 ALL", "UID SORT needs SORT")]
    [InlineData("COMPRESS DEFLATE", "COMPRESS needs COMPRESS=DEFLATE")]                    // RFC 4978 §3
    // ENABLE itself is an extension (RFC 5161 §3.1), and what it enables must be announced too.
    [InlineData("ENABLE CONDSTORE", "ENABLE needs ENABLE, CONDSTORE")]
    [InlineData("SELECT INBOX (CONDSTORE)", "SELECT needs CONDSTORE")]                     // RFC 7162 §3.1.8
    [InlineData("EXAMINE INBOX (QRESYNC (1700 5))", "EXAMINE needs QRESYNC")]              // RFC 7162 §3.2.5
    [InlineData("FETCH 1:3 (FLAGS) (CHANGEDSINCE 5)", "FETCH needs CONDSTORE")]            // RFC 7162 §3.1.4
    [InlineData("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 5 VANISHED)", "UID FETCH needs CONDSTORE, QRESYNC")] // §3.2.6
    [InlineData("STORE 1 (UNCHANGEDSINCE 5) +FLAGS (\\Seen)", "STORE needs CONDSTORE")]     // RFC 7162 §3.1.3
    [InlineData("SEARCH RETURN (COUNT) ALL", "SEARCH needs ESEARCH")]                      // RFC 4731 §3
    [InlineData("LIST (SPECIAL-USE) \"\" *", "LIST needs SPECIAL-USE")]                    // RFC 6154 §5
    [InlineData("LIST \"\" * RETURN (SPECIAL-USE)", "LIST needs SPECIAL-USE")]
    [InlineData("LIST \"\" * RETURN (STATUS (MESSAGES))", "LIST needs LIST-STATUS")]       // RFC 5819 §2
    [InlineData("LIST (SUBSCRIBED) \"\" *", "LIST needs LIST-EXTENDED")]                   // RFC 5258 §3
    [InlineData("LIST (SUBSCRIBED SPECIAL-USE) \"\" * RETURN (STATUS (UNSEEN))", "LIST needs SPECIAL-USE, LIST-STATUS, LIST-EXTENDED")]
    [InlineData("APPEND INBOX {3+}\r\nabc {3+}\r\ndef", "APPEND needs MULTIAPPEND")]        // RFC 3502 §3
    public void ACommandOfAnExtensionTheServerDidNotAnnounce_IsAWarning_NamingWhatItNeeds(string command, string needs)
    {
        using var session = Selected("IMAP4rev1 LITERAL+")
            .Client($"a3 {command}\r\n")
            .Server("a3 NO not here\r\n");

        var finding = Assert.Single(session.Findings(), f => f.Rule == "command-without-capability");

        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal($"a3 {needs}, which the server did not announce", finding.Detail());
        Assert.Equal("RFC 3501 §6.1.1, §7.2.1", finding.Rfc);
    }

    [Theory]
    [InlineData("UID EXPUNGE 1:2", "UIDPLUS")]
    [InlineData("SELECT INBOX (CONDSTORE)", "CONDSTORE")]
    [InlineData("SELECT INBOX (QRESYNC (1700 5))", "QRESYNC")]
    [InlineData("ENABLE CONDSTORE", "ENABLE CONDSTORE")]
    [InlineData("GETQUOTAROOT INBOX", "QUOTA")]
    [InlineData("COMPRESS DEFLATE", "COMPRESS=DEFLATE")]
    [InlineData("LIST (SUBSCRIBED SPECIAL-USE) \"\" * RETURN (STATUS (UNSEEN))", "LIST-EXTENDED SPECIAL-USE LIST-STATUS")]
    [InlineData("APPEND INBOX {3+}\r\nabc {3+}\r\ndef", "MULTIAPPEND")]
    // Capability names are case-insensitive (RFC 3501 §7.2.1 lists them as atoms).
    [InlineData("uid fetch 1:* (FLAGS) (changedsince 5 vanished)", "condstore qresync")]
    public void TheSameCommand_AfterTheServerAnnouncedItsExtension_IsNoFinding(string command, string announced)
    {
        using var session = Selected($"IMAP4rev1 LITERAL+ {announced}")
            .Client($"a3 {command}\r\n")
            .Server("a3 NO not here\r\n");

        Assert.DoesNotContain(session.Findings(), f => f.Rule == "command-without-capability");
    }

    [Theory]
    [InlineData("APPEND INBOX {3+}\r\nabc")]
    [InlineData("EXPUNGE")]
    [InlineData("SELECT INBOX")]
    [InlineData("FETCH 1:3 (FLAGS)")]
    [InlineData("STORE 1 +FLAGS (\\Seen)")]
    [InlineData("SEARCH ALL")]
    [InlineData("LIST \"\" *")]
    public void CommandsOfTheBaseProtocol_NeedNoExtension(string command)
    {
        using var session = Selected("IMAP4rev1 LITERAL+")
            .Client($"a3 {command}\r\n")
            .Server("a3 OK done\r\n");

        Assert.DoesNotContain(session.Findings(), f => f.Rule == "command-without-capability");
    }

    [Fact]
    public void AnImap4rev2Server_NeedNotListTheExtensionsRev2Includes_ButStillTheOthers()
    {
        // RFC 9051 §6.1.1: IMAP4rev2 includes NAMESPACE, UNSELECT, UIDPLUS, ESEARCH, ENABLE, IDLE, MOVE, LIST-EXTENDED...
        using var session = Selected("IMAP4rev2 LITERAL+")
            .Client("a3 NAMESPACE\r\n").Server("a3 OK done\r\n")
            .Client("a4 UID MOVE 1 Trash\r\n").Server("a4 OK done\r\n")
            .Client("a5 UID EXPUNGE 2\r\n").Server("a5 OK done\r\n")
            .Client("a6 SEARCH RETURN (COUNT) ALL\r\n").Server("a6 OK done\r\n")
            .Client("a7 LIST (SUBSCRIBED SPECIAL-USE) \"\" * RETURN (STATUS (UNSEEN))\r\n").Server("a7 OK done\r\n")
            // ...but not SORT (RFC 5256) nor QUOTA (RFC 9208).
            .Client("a8 SORT (DATE) UTF-8 ALL\r\n").Server("a8 NO no\r\n")
            .Client("a9 GETQUOTAROOT INBOX\r\n").Server("a9 NO no\r\n");

        Assert.Equal(["a8 SORT needs SORT, which the server did not announce", "a9 GETQUOTAROOT needs QUOTA, which the server did not announce"],
            session.Findings().Where(f => f.Rule == "command-without-capability").Select(f => f.Detail()));
    }

    [Fact]
    public void BeforeAnyCapabilityIsKnown_NoCommandIsJudged()
    {
        // A greeting without [CAPABILITY] and no CAPABILITY command: nothing to judge against.
        using var session = new ScriptedSession()
            .Server("* OK ready\r\n")
            .Client("a1 ID NIL\r\n")
            .Server("* ID NIL\r\na1 OK done\r\n");

        Assert.DoesNotContain(session.Findings(), f => f.Rule == "command-without-capability");
    }

    [Theory]
    [InlineData(false, false, "a1 LOGIN in clear on client → proxy and proxy → server")]
    [InlineData(false, true, "a1 LOGIN in clear on client → proxy")]
    [InlineData(true, false, "a1 LOGIN in clear on proxy → server")]
    public void ALoginInClear_NamesTheLegsWithoutTls(bool clientLegTls, bool upstreamLegTls, string expected)
    {
        using var session = new ScriptedSession(plaintextLegs: true);
        if (clientLegTls) session.Tls(TlsLeg.Client);
        if (upstreamLegTls) session.Tls(TlsLeg.Upstream);
        session.Server("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            .Client("a1 LOGIN alice secret\r\n")
            .Server("a1 OK done\r\n");

        var finding = Assert.Single(session.Findings(), f => f.Rule == "plaintext-login");

        Assert.Equal((Severity.Info, expected), (finding.Severity, finding.Detail()));
    }

    [Theory]
    [InlineData("AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==", "a1 AUTHENTICATE in clear on client → proxy and proxy → server")]
    [InlineData("AUTHENTICATE login", "a1 AUTHENTICATE in clear on client → proxy and proxy → server")]
    [InlineData("AUTHENTICATE XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2tlbgEB", null)]
    [InlineData("AUTHENTICATE SCRAM-SHA-256 biwsbj1hbGljZSxyPXh5eg==", null)]
    public void SaslMechanismsThatCarryThePassword_AreCredentialsInClear_OthersAreNot(string command, string? expected)
    {
        using var session = new ScriptedSession(plaintextLegs: true)
            .Server("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN AUTH=XOAUTH2 AUTH=SCRAM-SHA-256] ready\r\n")
            .Client($"a1 {command}\r\n")
            .Server("a1 NO no\r\n");

        Assert.Equal(expected is null ? [] : [expected], session.Findings().Where(f => f.Rule == "plaintext-login").Select(f => f.Detail()));
    }

    [Fact]
    public void AFailedHandshake_LeavesItsLegWithoutTls()
    {
        using var session = new ScriptedSession(plaintextLegs: true).Tls(TlsLeg.Client, succeeded: false).Tls(TlsLeg.Upstream, succeeded: false)
            .Server("* OK ready\r\n").Client("a1 LOGIN alice secret\r\n").Server("a1 OK done\r\n");

        Assert.Equal(["a1 LOGIN in clear on client → proxy and proxy → server"],
            session.Findings().Where(f => f.Rule == "plaintext-login").Select(f => f.Detail()));
    }

    [Fact]
    public void ALoginOverTlsOnBothLegs_OrWithTheLegsUnknown_IsNoFinding()
    {
        using var tls = new ScriptedSession(plaintextLegs: true).Tls(TlsLeg.Client).Tls(TlsLeg.Upstream)
            .Server("* OK ready\r\n").Client("a1 LOGIN alice secret\r\n").Server("a1 OK done\r\n");
        // A rawlog import knows nothing of the legs: it does not guess.
        using var imported = new ScriptedSession()
            .Server("* OK ready\r\n").Client("a1 LOGIN alice secret\r\n").Server("a1 OK done\r\n");

        Assert.DoesNotContain(tls.Findings(), f => f.Rule == "plaintext-login");
        Assert.DoesNotContain(imported.Findings(), f => f.Rule == "plaintext-login");
    }

    [Fact]
    public void CapabilitiesGoneAtLogin_AreInfo_NamingThem_ButNotThoseOnlyMeantForBeforeLogin()
    {
        // STARTTLS, LOGINDISABLED, SASL-IR, LOGIN-REFERRALS and AUTH= mechanisms serve the login itself (RFC 3501
        // §6.2, RFC 4959): their going away is normal. ID and IDLE going away is what a client may trip over.
        using var session = new ScriptedSession()
            .Server("* OK [CAPABILITY IMAP4rev1 STARTTLS SASL-IR LOGIN-REFERRALS AUTH=PLAIN ID IDLE LITERAL+] ready\r\n")
            .Client("a1 LOGIN alice secret\r\n")
            .Server("a1 OK [CAPABILITY IMAP4rev1 literal+] Logged in\r\n");

        // Said at the login, even when the session ends there.
        var finding = Assert.Single(session.Findings(), f => f.Rule == "capabilities-lost-after-login");

        Assert.Equal((Severity.Info, "ID IDLE announced before login, not after"), (finding.Severity, finding.Detail()));
    }

    [Fact]
    public void CapabilitiesLost_AreSaidOnce_HoweverOftenTheServerAnnouncesAgain()
    {
        using var session = new ScriptedSession()
            .Server("* OK [CAPABILITY IMAP4rev1 ID IDLE] ready\r\n")
            .Client("a1 LOGIN alice secret\r\n")
            .Server("a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n")
            .Client("a2 CAPABILITY\r\n")
            .Server("* CAPABILITY IMAP4rev1 MOVE\r\na2 OK done\r\n")
            .Client("a3 SELECT INBOX\r\n")
            .Server("* 3 EXISTS\r\na3 OK [READ-WRITE] done\r\n");

        Assert.Single(session.Findings(), f => f.Rule == "capabilities-lost-after-login");
    }

    [Fact]
    public void ALoginAnsweredWithoutCapabilities_LosesNone()
    {
        // RFC 3501 §6.2.3: the server may announce its capabilities after login, or not; silence is not a loss.
        using var session = new ScriptedSession()
            .Server("* OK [CAPABILITY IMAP4rev1 ID IDLE] ready\r\n")
            .Client("a1 LOGIN alice secret\r\n")
            .Server("a1 OK Logged in\r\n")
            .Client("a2 SELECT INBOX\r\n")
            .Server("* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n");

        Assert.DoesNotContain(session.Findings(), f => f.Rule == "capabilities-lost-after-login");
    }

    [Fact]
    public void CapabilitiesAnnouncedAgainInFull_OrOnlyPreLoginOnesGone_AreNoFinding()
    {
        using var same = new ScriptedSession()
            .Server("* OK [CAPABILITY IMAP4rev1 ID IDLE] ready\r\n")
            .Client("a1 LOGIN alice secret\r\n")
            .Server("a1 OK [CAPABILITY IMAP4rev1 ID IDLE] Logged in\r\n");
        using var preLoginOnly = new ScriptedSession()
            .Server("* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN ID] ready\r\n")
            .Client("a1 LOGIN alice secret\r\n")
            .Server("a1 OK [CAPABILITY IMAP4rev1 ID MOVE] Logged in\r\n");

        Assert.DoesNotContain(same.Findings(), f => f.Rule == "capabilities-lost-after-login");
        Assert.DoesNotContain(preLoginOnly.Findings(), f => f.Rule == "capabilities-lost-after-login");
    }
}
