using ImapProxy.Recording.Findings;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// A mailbox's numbers as the server tells them across a session: UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ, whether
/// by SELECT's codes or by STATUS (RFC 3501 §6.3.10), and the message count that EXPUNGE and VANISHED take down
/// (RFC 3501 §7.4.1, RFC 7162 §3.2.10). A phone's cache is only as good as these.
/// </summary>
public class MailboxChecksTests
{
    /// <summary>INBOX selected: 3 messages, UIDs 11, 12, 13, UIDVALIDITY 1700, UIDNEXT 14.</summary>
    private static ScriptedSession Selected() =>
        ScriptedSession.Selected("IMAP4rev1 CONDSTORE QRESYNC", "* 3 EXISTS\r\n* OK [UIDVALIDITY 1700] ok\r\n* OK [UIDNEXT 14] ok\r\n");

    private static List<(string Rule, string Detail)> Found(ScriptedSession session) =>
        session.Findings().Select(f => (f.Rule, f.Detail())).ToList();

    [Theory]
    [InlineData("UIDVALIDITY 1700", "UIDVALIDITY 1800", "uidvalidity-changed", "Archive had UIDVALIDITY 1700, then 1800")]
    [InlineData("UIDNEXT 10", "UIDNEXT 8", "uidnext-went-back", "Archive had UIDNEXT 10, then 8")]
    [InlineData("HIGHESTMODSEQ 50", "HIGHESTMODSEQ 40", "modseq-not-increasing", "Archive had HIGHESTMODSEQ 50, then 40")]
    [InlineData("HIGHESTMODSEQ 50", "HIGHESTMODSEQ 0", "modseq-not-increasing", "Archive had HIGHESTMODSEQ 50, then 0")]
    public void StatusOfAMailboxNeverSelected_IsHeldToTheSameRules(string first, string then, string rule, string expected)
    {
        using var session = Selected()
            .Client("a3 STATUS Archive (UIDVALIDITY UIDNEXT HIGHESTMODSEQ)\r\n")
            .Server($"* STATUS Archive ({first})\r\na3 OK done\r\n")
            .Client("a4 STATUS Archive (UIDVALIDITY UIDNEXT HIGHESTMODSEQ)\r\n")
            .Server($"* STATUS Archive ({then})\r\na4 OK done\r\n");

        Assert.Equal([(rule, expected)], Found(session));
    }

    [Fact]
    public void SelectsCodes_AreHeldToTheSameRules_PointingAtBothAnswers()
    {
        using var session = Selected()
            .Client("a3 SELECT Archive\r\n")
            .Server("* 1 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n* OK [HIGHESTMODSEQ 50] ok\r\na3 OK done\r\n")
            .Client("a4 SELECT Archive\r\n")
            .Server("* 1 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n* OK [HIGHESTMODSEQ 40] ok\r\na4 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal(("modseq-not-increasing", "Archive had HIGHESTMODSEQ 50, then 40"), (finding.Rule, finding.Detail()));
        Assert.Equal(2, finding.Evidence.Count);
    }

    [Fact]
    public void AStatusUidValidityUnlikeAnEarlierSessions_IsAWarning()
    {
        var memory = new MailboxMemory();
        using (var first = new ScriptedSession(mailboxes: memory, sessionId: 1))
        {
            first.Server("* OK ready\r\n").Client("a1 LOGIN alice secret\r\n").Server("a1 OK done\r\n")
                .Client("a2 STATUS Archive (UIDVALIDITY)\r\n").Server("* STATUS Archive (UIDVALIDITY 1700)\r\na2 OK done\r\n");
            Assert.Empty(first.Findings());
        }
        using var second = new ScriptedSession(mailboxes: memory, sessionId: 2)
            .Server("* OK ready\r\n").Client("a1 LOGIN alice secret\r\n").Server("a1 OK done\r\n")
            .Client("a2 STATUS Archive (UIDVALIDITY)\r\n").Server("* STATUS Archive (UIDVALIDITY 1800)\r\na2 OK done\r\n");

        var finding = Assert.Single(second.Findings());

        Assert.Equal("uidvalidity-changed-between-sessions", finding.Rule);
        Assert.StartsWith("Archive of alice on 127.0.0.1:143 had UIDVALIDITY 1700 in session 1 (", finding.Detail());
        Assert.EndsWith("UTC), now 1800", finding.Detail());
    }

    [Fact]
    public void NumbersThatKeepTheirOrder_AreNoFinding()
    {
        using var session = Selected()
            .Client("a3 STATUS Archive (UIDVALIDITY UIDNEXT HIGHESTMODSEQ)\r\n")
            .Server("* STATUS Archive (UIDVALIDITY 1700 UIDNEXT 10 HIGHESTMODSEQ 50)\r\na3 OK done\r\n")
            .Client("a4 STATUS Archive (UIDVALIDITY UIDNEXT HIGHESTMODSEQ)\r\n")
            .Server("* STATUS Archive (UIDVALIDITY 1700 UIDNEXT 10 HIGHESTMODSEQ 50)\r\na4 OK done\r\n")
            .Server("* STATUS Archive (UIDNEXT 12 HIGHESTMODSEQ 51)\r\n");

        Assert.Empty(Found(session));
    }

    [Fact]
    public void AHighestModSeqOfZero_IsAFindingFromTheFirst()
    {
        using var session = Selected().Client("a3 STATUS Archive (HIGHESTMODSEQ)\r\n").Server("* STATUS Archive (HIGHESTMODSEQ 0)\r\na3 OK done\r\n");

        Assert.Equal([("modseq-not-increasing", "Archive has HIGHESTMODSEQ 0 (mod-sequences are positive)")], Found(session));
    }

    [Fact]
    public void AfterUidValidityChanged_TheOldUidNextNoLongerCompares()
    {
        // A new UIDVALIDITY makes it another mailbox as far as UIDs go (RFC 3501 §2.3.1.1): a lower UIDNEXT is no regress.
        using var session = Selected()
            .Client("a3 STATUS Archive (UIDVALIDITY UIDNEXT HIGHESTMODSEQ)\r\n")
            .Server("* STATUS Archive (UIDVALIDITY 1700 UIDNEXT 500 HIGHESTMODSEQ 900)\r\na3 OK done\r\n")
            .Client("a4 STATUS Archive (UIDVALIDITY UIDNEXT HIGHESTMODSEQ)\r\n")
            .Server("* STATUS Archive (UIDVALIDITY 1800 UIDNEXT 5 HIGHESTMODSEQ 3)\r\na4 OK done\r\n");

        Assert.Equal(["uidvalidity-changed"], Found(session).Select(f => f.Rule));
    }

    [Theory]
    [InlineData("* 4 EXPUNGE", "EXPUNGE 4 in INBOX, which has 3 messages")]
    [InlineData("* 0 EXPUNGE", "EXPUNGE 0 in INBOX, which has 3 messages")]
    public void AnExpungeOfAMessageThatIsNotThere_IsAnError(string expunge, string expected)
    {
        using var session = Selected().Client("a3 NOOP\r\n").Server($"{expunge}\r\na3 OK done\r\n");

        Assert.Equal([("sequence-above-exists", expected)], Found(session));
    }

    [Theory]
    // EXPUNGE takes one message away; VANISHED (not EARLIER) as many as its UIDs; never below none.
    [InlineData("* 3 EXPUNGE", "* 3 FETCH (FLAGS ())", "FETCH for message 3 in INBOX, which has 2 messages")]
    [InlineData("* VANISHED 12:13", "* 2 FETCH (FLAGS ())", "FETCH for message 2 in INBOX, which has 1 messages")]
    [InlineData("* VANISHED 11:13,20:30", "* 1 FETCH (FLAGS ())", "FETCH for message 1 in INBOX, which has 0 messages")]
    [InlineData("* VANISHED (EARLIER) 12:13", "* 4 FETCH (FLAGS ())", "FETCH for message 4 in INBOX, which has 3 messages")]
    public void TheMessageCount_FollowsExpungesAndVanished(string removal, string fetch, string expected)
    {
        using var session = Selected().Client("a3 NOOP\r\n").Server($"{removal}\r\n{fetch}\r\na3 OK done\r\n");

        Assert.Equal([("sequence-above-exists", expected)], Found(session));
    }

    [Fact]
    public void AFetchOfMessageZero_IsAnError()
    {
        using var session = Selected().Client("a3 FETCH 1 FLAGS\r\n").Server("* 0 FETCH (FLAGS ())\r\na3 OK done\r\n");

        Assert.Equal([("sequence-above-exists", "FETCH for message 0 in INBOX, which has 3 messages")], Found(session));
    }

    [Theory]
    [InlineData("* 1 EXPUNGE")]
    [InlineData("* VANISHED 11")]
    [InlineData("a4 OK done")]
    public void MessageNumbersMoveAfterAnExpunge_OrANewSelection_WithoutAUidUnderTwoNumbers(string between)
    {
        // Message 2 (UID 12) is message 1 once message 1 is gone; and a new SELECT starts a new numbering.
        var reselect = between.StartsWith("a4", StringComparison.Ordinal);
        using var session = Selected()
            .Client("a3 FETCH 1:2 UID\r\n")
            .Server("* 1 FETCH (UID 11)\r\n* 2 FETCH (UID 12)\r\na3 OK done\r\n");
        if (reselect) session.Client("a4 SELECT INBOX\r\n").Server("* 2 EXISTS\r\n");
        else session.Client("a4 NOOP\r\n");
        session.Server($"{between}\r\n").Client("a5 FETCH 1 UID\r\n").Server("* 1 FETCH (UID 12)\r\na5 OK done\r\n");

        Assert.DoesNotContain(Found(session), f => f.Rule == "uid-under-two-numbers");
    }

    [Fact]
    public void AModSeqOfZeroInAFetch_IsAFinding()
    {
        using var session = Selected().Client("a3 FETCH 1 (MODSEQ)\r\n").Server("* 1 FETCH (MODSEQ (0))\r\na3 OK done\r\n");

        Assert.Equal([("modseq-not-increasing", "MODSEQ 0 for message 1 (mod-sequences are positive)")], Found(session));
    }
}
