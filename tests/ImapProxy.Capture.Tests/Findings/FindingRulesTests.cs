using ImapProxy.Protocol;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Recording.Events;
using ImapProxy.Recording.Findings;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// Each rule against a scripted conversation that ships one well-known server bug (and a twin without it): the
/// finding a user would read, with the figures it names and the frames it points at.
/// </summary>
public class FindingRulesTests
{
    private const string Capabilities = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN";
    private const string AfterLogin = "IMAP4rev1 LITERAL+ ID ENABLE IDLE SORT UIDPLUS MOVE CONDSTORE QRESYNC SPECIAL-USE NAMESPACE UNSELECT";

    /// <summary>Logged in, INBOX selected with 3 messages, UIDVALIDITY 1700, UIDNEXT 10.</summary>
    private static ScriptedSession InboxSelected() => new ScriptedSession()
        .Server($"* OK [CAPABILITY {Capabilities}] ready\r\n")
        .Client("a1 LOGIN alice secret\r\n")
        .Server($"a1 OK [CAPABILITY {AfterLogin}] Logged in\r\n")
        .Client("a2 SELECT INBOX\r\n")
        .Server("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 3 EXISTS\r\n* 0 RECENT\r\n")
        .Server("* OK [UIDVALIDITY 1700] UIDs valid\r\n* OK [UIDNEXT 10] Predicted next UID\r\n")
        .Server("a2 OK [READ-WRITE] Select completed\r\n");

    [Fact]
    public void Rfc822SizeLargerThanTheBodySent_IsAnError_NamingBothFigures()
    {
        using var session = InboxSelected()
            .Client("a3 UID FETCH 7 (RFC822.SIZE BODY.PEEK[])\r\n")
            .Server($"* 2 FETCH (UID 7 RFC822.SIZE 120 BODY[] {{100}}\r\n{ScriptedSession.Body(100)})\r\n")
            .Server("a3 OK Fetch completed\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal(("rfc822-size-mismatch", Severity.Error), (finding.Rule, finding.Severity));
        Assert.Equal("RFC822.SIZE disagrees with the length of the message the server sent: message UID 7 has RFC822.SIZE 120 "
            + "but its whole body (BODY[]) is 100 bytes (20 bytes fewer than announced)", finding.Message);
        Assert.Equal("RFC 3501 §7.4.2 (RFC822.SIZE)", finding.Rfc);
        Assert.Contains("truncate", finding.ClientImpact);
        var frame = Assert.IsType<FrameParsed>(session.At(Assert.Single(finding.Evidence)));
        Assert.Equal("FETCH", Assert.IsType<ResponseFrame>(frame.Frame).Name);
    }

    [Fact]
    public void Rfc822SizeAndBodyInSeparateFetches_AreComparedByUid_PointingAtBoth()
    {
        using var session = InboxSelected()
            .Client("a3 UID FETCH 1:* (UID RFC822.SIZE)\r\n")
            .Server("* 1 FETCH (UID 5 RFC822.SIZE 80)\r\n* 2 FETCH (UID 7 RFC822.SIZE 90)\r\na3 OK done\r\n")
            .Client("a4 UID FETCH 7 BODY.PEEK[]\r\n")
            .Server($"* 2 FETCH (UID 7 BODY[] {{100}}\r\n{ScriptedSession.Body(100)})\r\na4 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal("rfc822-size-mismatch", finding.Rule);
        Assert.EndsWith("message UID 7 has RFC822.SIZE 90 but its whole body (BODY[]) is 100 bytes (10 bytes more than announced)", finding.Message);
        Assert.Equal(2, finding.Evidence.Count);
        Assert.Contains("RFC822.SIZE 90", ((FrameParsed)session.At(finding.Evidence[0])).Frame is ResponseFrame { Data: Protocol.Responses.FetchData { Rfc822Size: 90 } } ? "RFC822.SIZE 90" : "");
        Assert.IsType<FrameParsed>(session.At(finding.Evidence[1]));
    }

    [Fact]
    public void SizesThatAgree_AndPartialFetches_AreNoFinding()
    {
        using var session = InboxSelected()
            .Client("a3 UID FETCH 7 (RFC822.SIZE BODY.PEEK[])\r\n")
            .Server($"* 2 FETCH (UID 7 RFC822.SIZE 100 BODY[] {{100}}\r\n{ScriptedSession.Body(100)})\r\na3 OK done\r\n")
            .Client("a4 UID FETCH 8 (RFC822.SIZE BODY.PEEK[]<0.50>)\r\n")
            .Server($"* 3 FETCH (UID 8 RFC822.SIZE 4000 BODY[]<0> {{50}}\r\n{ScriptedSession.Body(50)})\r\na4 OK done\r\n")
            .Client("a5 LOGOUT\r\n")
            .Server("* BYE Logging out\r\na5 OK Logout completed\r\n");

        Assert.Empty(session.Findings(CloseReason.ServerClosed));
    }

    [Fact]
    public void BodyStructurePartSize_AgainstThePartFetched()
    {
        const string structure = "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 20 1 NIL NIL NIL NIL)"
            + "(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" 5000 NIL (\"attachment\" (\"filename\" \"a.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)";
        using var session = InboxSelected()
            .Client("a3 UID FETCH 7 (BODYSTRUCTURE)\r\n")
            .Server($"* 2 FETCH (UID 7 BODYSTRUCTURE {structure})\r\na3 OK done\r\n")
            .Client("a4 UID FETCH 7 (BODY.PEEK[1] BODY.PEEK[2])\r\n")
            .Server($"* 2 FETCH (UID 7 BODY[1] {{20}}\r\n{ScriptedSession.Body(20)} BODY[2] {{4000}}\r\n{ScriptedSession.Body(4000)})\r\na4 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal(("bodystructure-size-mismatch", Severity.Error), (finding.Rule, finding.Severity));
        Assert.Equal("a BODYSTRUCTURE part size disagrees with the part the server sent: message UID 7 part 2 (application/pdf) is 5000 bytes in BODYSTRUCTURE but BODY[2] is 4000 bytes (1000 bytes fewer than announced)", finding.Message);
        Assert.Equal(2, finding.Evidence.Count);
    }

    [Fact]
    public void BinarySize_AgainstTheBinaryPartSent()
    {
        using var session = InboxSelected()
            .Client("a3 UID FETCH 7 (BINARY.SIZE[2] BINARY.PEEK[2])\r\n")
            .Server($"* 2 FETCH (UID 7 BINARY.SIZE[2] 300 BINARY[2] ~{{256}}\r\n{ScriptedSession.Body(256)})\r\na3 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal("binary-size-mismatch", finding.Rule);
        Assert.EndsWith("message UID 7 part 2 has BINARY.SIZE 300 but BINARY[2] is 256 bytes (44 bytes fewer than announced)", finding.Message);
    }

    private const string Headers = "From: Ann <ann@example.com>\r\nTo: bob@example.com, carol@example.com\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n"
        + "Message-ID: <m1@example.com>\r\n\r\n";

    [Fact]
    public void EnvelopeSplittingARecipientInTwo_AgainstTheHeaders_IsAnError()
    {
        // The "space inserted between recipients" bug: the ENVELOPE has three To addresses where the header has two.
        const string envelope = "(\"Mon, 1 Dec 2026 10:00:00 +0000\" \"=?utf-8?q?caf=C3=A9?=\" ((\"Ann\" NIL \"ann\" \"example.com\")) "
            + "((\"Ann\" NIL \"ann\" \"example.com\")) ((\"Ann\" NIL \"ann\" \"example.com\")) "
            + "((NIL NIL \"bob\" \"example.com\")(NIL NIL \"car\" \"example.com\")(NIL NIL \"ol\" \"example.com\")) NIL NIL NIL \"<m1@example.com>\")";
        using var session = InboxSelected()
            .Client("a3 UID FETCH 7 (ENVELOPE BODY.PEEK[HEADER])\r\n")
            .Server($"* 2 FETCH (UID 7 ENVELOPE {envelope} BODY[HEADER] {{{Headers.Length}}}\r\n{Headers})\r\na3 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal(("envelope-mismatch", Severity.Error), (finding.Rule, finding.Severity));
        Assert.EndsWith("message UID 7: ENVELOPE to has 3 addresses (bob@example.com, car@example.com, ol@example.com), "
            + "the To header 2 (bob@example.com, carol@example.com)", finding.Message);
    }

    [Fact]
    public void EnvelopeThatAgreesWithTheHeaders_EncodedWordsAndAll_IsNoFinding()
    {
        const string envelope = "(NIL \"=?utf-8?q?caf=C3=A9?=\" ((\"Ann\" NIL \"ann\" \"example.com\")) NIL NIL "
            + "((NIL NIL \"bob\" \"example.com\")(NIL NIL \"carol\" \"example.com\")) NIL NIL NIL \"<m1@example.com>\")";
        using var session = InboxSelected()
            .Client("a3 UID FETCH 7 (ENVELOPE)\r\n")
            .Server($"* 2 FETCH (UID 7 ENVELOPE {envelope})\r\na3 OK done\r\n")
            .Client("a4 UID FETCH 7 (BODY.PEEK[HEADER])\r\n")
            .Server($"* 2 FETCH (UID 7 BODY[HEADER] {{{Headers.Length}}}\r\n{Headers})\r\na4 OK done\r\n");

        Assert.Empty(session.Findings());
    }

    [Fact]
    public void BodyStructureNamingTheWrongEncoding_AgainstTheMessageSent_IsAnError()
    {
        const string message = "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
            + "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n";
        // Sizes as Dovecot gives them: the CRLF before a boundary is the boundary's (RFC 2046 §5.1.1), so "hi" is 2
        // bytes and 0 lines, "AAAA" 4 bytes.
        const string structure = "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 2 0 NIL NIL NIL NIL)"
            + "(\"application\" \"pdf\" NIL NIL NIL \"quoted-printable\" 4 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)";
        using var session = InboxSelected()
            .Client("a3 UID FETCH 7 (BODYSTRUCTURE)\r\n")
            .Server($"* 2 FETCH (UID 7 BODYSTRUCTURE {structure})\r\na3 OK done\r\n")
            .Client("a4 UID FETCH 7 (BODY.PEEK[])\r\n")
            .Server($"* 2 FETCH (UID 7 BODY[] {{{message.Length}}}\r\n{message})\r\na4 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal("bodystructure-mismatch", finding.Rule);
        Assert.EndsWith("message UID 7: part 2 is encoded quoted-printable in BODYSTRUCTURE, base64 in the message", finding.Message);
        Assert.Equal(2, finding.Evidence.Count);
    }

    /// <summary>Part sizes and text line counts of BODYSTRUCTURE against the message fetched whole.</summary>
    [Theory]
    // The html part is 22 bytes ("<p>Hello," CRLF " world.</p>") with 1 line feed; its last line has none, so 1 or
    // 2 lines are both right.
    [InlineData("22 1", null)]
    [InlineData("22 2", null)]
    [InlineData("24 1", "part 2 is 24 bytes in BODYSTRUCTURE, 22 in the message (2 bytes fewer than announced)")]
    [InlineData("22 3", "part 2 has 3 lines in BODYSTRUCTURE, 1 (or 2 with its unterminated last line) in the message")]
    public void BodyStructurePartSizesAndLines_AgainstTheMessageSent(string htmlSizeAndLines, string? expected)
    {
        const string message = "Subject: x\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
            + "one\r\ntwo\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Hello,\r\n world.</p>\r\n--b--\r\n";
        var structure = "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 2 NIL NIL NIL NIL)"
            + $"(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" {htmlSizeAndLines} NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"b\") NIL NIL NIL)";
        using var session = InboxSelected()
            .Client("a3 UID FETCH 7 (BODYSTRUCTURE BODY.PEEK[])\r\n")
            .Server($"* 2 FETCH (UID 7 BODYSTRUCTURE {structure} BODY[] {{{message.Length}}}\r\n{message})\r\na3 OK done\r\n");

        var findings = session.Findings();

        if (expected is null) Assert.Empty(findings);
        else Assert.EndsWith($"message UID 7: {expected}", Assert.Single(findings, f => f.Rule == "bodystructure-mismatch").Message);
    }

    [Fact]
    public void AFlagFlagsDidNotList_IsInfo_UnlessNewKeywordsAreAllowed()
    {
        using var stray = InboxSelected()
            .Client("a3 FETCH 1 FLAGS\r\n")
            .Server("* 1 FETCH (FLAGS (\\Seen $Forwarded))\r\na3 OK done\r\n");
        using var allowed = InboxSelected()
            .Client("a3 SELECT INBOX\r\n")
            .Server("* FLAGS (\\Seen)\r\n* OK [PERMANENTFLAGS (\\Seen \\*)] ok\r\n* 3 EXISTS\r\na3 OK [READ-WRITE] done\r\n")
            .Client("a4 FETCH 1 FLAGS\r\n")
            .Server("* 1 FETCH (FLAGS (\\Seen $Forwarded \\Recent))\r\na4 OK done\r\n");

        var finding = Assert.Single(stray.Findings());

        Assert.Equal(("flag-not-announced", Severity.Info), (finding.Rule, finding.Severity));
        Assert.EndsWith("message 1 has $Forwarded, which FLAGS did not list", finding.Message);
        Assert.Empty(allowed.Findings());
    }

    [Fact]
    public void SearchSinceReturningAMessageOfTheDayBefore_IsAWarning()
    {
        // 30 Nov 23:30 at -0800 is 1 Dec in UTC: a server that searches UTC days returns it for SINCE 1-Dec.
        using var session = InboxSelected()
            .Client("a3 UID FETCH 1:* (UID INTERNALDATE)\r\n")
            .Server("* 1 FETCH (UID 5 INTERNALDATE \"30-Nov-2026 23:30:00 -0800\")\r\n* 2 FETCH (UID 6 INTERNALDATE \" 1-Dec-2026 09:00:00 +0000\")\r\na3 OK done\r\n")
            .Client("a4 UID SEARCH SINCE 1-Dec-2026\r\n")
            .Server("* SEARCH 5 6\r\na4 OK done\r\n");
        using var right = InboxSelected()
            .Client("a3 UID FETCH 1:* (UID INTERNALDATE)\r\n")
            .Server("* 1 FETCH (UID 5 INTERNALDATE \"30-Nov-2026 23:30:00 -0800\")\r\na3 OK done\r\n")
            .Client("a4 UID SEARCH BEFORE 1-Dec-2026\r\n")
            .Server("* SEARCH 5\r\na4 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal(("search-date-contradiction", Severity.Warning), (finding.Rule, finding.Severity));
        Assert.EndsWith("UID SEARCH SINCE 1-Dec-2026 returned UID 5, whose INTERNALDATE is on 30-Nov-2026", finding.Message);
        Assert.Equal(3, finding.Evidence.Count);
        Assert.Empty(right.Findings());
    }

    [Fact]
    public void UidValidityChangingForTheSameMailbox_IsAnError()
    {
        using var session = InboxSelected()
            .Client("a3 SELECT INBOX\r\n")
            .Server("* 3 EXISTS\r\n* OK [UIDVALIDITY 1801] UIDs valid\r\n* OK [UIDNEXT 10] next\r\na3 OK [READ-WRITE] done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal(("uidvalidity-changed", Severity.Error), (finding.Rule, finding.Severity));
        Assert.EndsWith("INBOX had UIDVALIDITY 1700, then 1801", finding.Message);
        Assert.Equal(2, finding.Evidence.Count);
    }

    /// <summary>A phone's cache of a mailbox is only as good as its UIDVALIDITY from one connection to the next.</summary>
    [Fact]
    public void UidValidityDifferentFromAnEarlierSessionOfTheSameUser_IsAWarning_NamingThatSession()
    {
        var memory = new MailboxMemory();
        ScriptedSession Select(long id, string user, ulong validity, MailboxMemory? shared) => new ScriptedSession(mailboxes: shared, sessionId: id)
            .Server("* OK ready\r\n").Client($"a1 LOGIN {user} secret\r\n").Server("a1 OK Logged in\r\n")
            .Client("a2 SELECT INBOX\r\n").Server($"* 3 EXISTS\r\n* OK [UIDVALIDITY {validity}] UIDs valid\r\na2 OK [READ-WRITE] done\r\n");

        using var first = Select(11, "alice", 1700, memory);
        using var otherUser = Select(12, "bob", 9999, memory);
        using var same = Select(13, "alice", 1700, memory);
        using var changed = Select(14, "alice", 1801, memory);

        Assert.Empty(first.Findings());
        Assert.Empty(otherUser.Findings());
        Assert.Empty(same.Findings());
        var finding = Assert.Single(changed.Findings());
        Assert.Equal(("uidvalidity-changed-between-sessions", Severity.Warning), (finding.Rule, finding.Severity));
        Assert.EndsWith("INBOX of alice on 127.0.0.1:143 had UIDVALIDITY 1700 in session 13 (2026-12-05 10:00:00 UTC), now 1801", finding.Message);
        Assert.Contains("download it again", finding.ClientImpact);
        var code = Assert.IsType<ResponseFrame>(Assert.IsType<FrameParsed>(changed.At(Assert.Single(finding.Evidence))).Frame);
        Assert.Equal("UIDVALIDITY", code.Code!.Name);
        // Judged alone (lint, an import), a session has no earlier one to differ from.
        using var alone = Select(15, "alice", 2000, shared: null);
        Assert.Empty(alone.Findings());
    }

    [Fact]
    public void UidValidityOfAnotherMailbox_IsNoFinding()
    {
        using var session = InboxSelected()
            .Client("a3 SELECT Archive\r\n")
            .Server("* 9 EXISTS\r\n* OK [UIDVALIDITY 42] UIDs valid\r\n* OK [UIDNEXT 100] next\r\na3 OK [READ-WRITE] done\r\n");

        Assert.Empty(session.Findings());
    }

    [Fact]
    public void ExistsShrinkingWithoutExpunge_IsAnError_ButAfterExpungeItIsFine()
    {
        using var shrinking = InboxSelected()
            .Client("a3 NOOP\r\n")
            .Server("* 2 EXISTS\r\na3 OK done\r\n");
        using var expunged = InboxSelected()
            .Client("a3 NOOP\r\n")
            .Server("* 2 EXPUNGE\r\n* 2 EXISTS\r\na3 OK done\r\n");

        var finding = Assert.Single(shrinking.Findings());

        Assert.Equal("exists-shrank", finding.Rule);
        Assert.EndsWith("INBOX went from 3 to 2 messages with no EXPUNGE or VANISHED in between", finding.Message);
        Assert.Empty(expunged.Findings());
    }

    [Fact]
    public void FetchOfAMessageNumberAboveExists_IsAnError()
    {
        using var session = InboxSelected()
            .Client("a3 FETCH 1:* FLAGS\r\n")
            .Server("* 1 FETCH (FLAGS (\\Seen))\r\n* 4 FETCH (FLAGS ())\r\na3 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal("sequence-above-exists", finding.Rule);
        Assert.EndsWith("FETCH for message 4 in INBOX, which has 3 messages", finding.Message);
    }

    [Fact]
    public void FetchCompletedWithoutAMessageBelowOneItAnswered_IsAWarning()
    {
        using var session = InboxSelected()
            .Client("a3 FETCH 1:3 FLAGS\r\n")
            .Server("* 1 FETCH (FLAGS (\\Seen))\r\n* 3 FETCH (FLAGS ())\r\na3 OK Fetch completed\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal("fetch-answer-incomplete", finding.Rule);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.EndsWith("FETCH 1:3 got no data for message 2, while message 3 was answered", finding.Message);
        // The command and its completion: the two ends a user compares.
        Assert.Equal(2, finding.Evidence.Count);
    }

    [Fact]
    public void FetchAnswers_ThatAreWholeOrCannotBeJudged_AreNoFinding()
    {
        // Every message answered, in any order.
        using var whole = InboxSelected()
            .Client("a3 FETCH 1:3 FLAGS\r\n")
            .Server("* 3 FETCH (FLAGS ())\r\n* 1 FETCH (FLAGS ())\r\n* 2 FETCH (FLAGS ())\r\na3 OK done\r\n");
        // The highest named message is not answered: without counting on EXISTS it may not exist.
        using var top = InboxSelected()
            .Client("a3 FETCH 2:3 FLAGS\r\n")
            .Server("* 2 FETCH (FLAGS ())\r\na3 OK done\r\n");
        // Another session expunged a message meanwhile (RFC 2180 §4.1): numbers moved under the command.
        using var expunged = InboxSelected()
            .Client("a3 FETCH 1:3 FLAGS\r\n")
            .Server("* 1 FETCH (FLAGS ())\r\n* 3 FETCH (FLAGS ())\r\n* 2 EXPUNGE\r\na3 OK done\r\n");
        // UID FETCH ignores UIDs that are not there; a NO is an answer of its own.
        using var byUid = InboxSelected()
            .Client("a3 UID FETCH 7:9 FLAGS\r\n")
            .Server("* 1 FETCH (UID 7 FLAGS ())\r\n* 3 FETCH (UID 9 FLAGS ())\r\na3 OK done\r\n");
        using var refused = InboxSelected()
            .Client("a3 FETCH 1:3 FLAGS\r\n")
            .Server("* 1 FETCH (FLAGS ())\r\n* 3 FETCH (FLAGS ())\r\na3 NO some messages could not be read\r\n");

        foreach (var session in new[] { whole, top, expunged, byUid, refused })
            Assert.DoesNotContain(session.Findings(), f => f.Rule == "fetch-answer-incomplete");
    }

    [Fact]
    public void OneUidUnderTwoNumbers_IsAnError()
    {
        using var session = InboxSelected()
            .Client("a3 UID FETCH 1:* FLAGS\r\n")
            .Server("* 1 FETCH (UID 4 FLAGS ())\r\n* 2 FETCH (UID 4 FLAGS ())\r\na3 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal("uid-under-two-numbers", finding.Rule);
        Assert.EndsWith("UID 4 was message 1 and is now message 2 in INBOX", finding.Message);
    }

    [Fact]
    public void UidAtOrAboveUidNext_WhileNoMailArrived_IsAWarning()
    {
        using var session = InboxSelected()
            .Client("a3 UID FETCH 1:* FLAGS\r\n")
            .Server("* 3 FETCH (UID 10 FLAGS ())\r\na3 OK done\r\n");
        using var arrived = InboxSelected()
            .Client("a3 NOOP\r\n")
            .Server("* 4 EXISTS\r\na3 OK done\r\n")
            .Client("a4 UID FETCH 1:* FLAGS\r\n")
            .Server("* 4 FETCH (UID 10 FLAGS ())\r\na4 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal(("uid-at-or-above-uidnext", Severity.Warning), (finding.Rule, finding.Severity));
        Assert.EndsWith("UID 10 in INBOX, whose UIDNEXT is 10", finding.Message);
        Assert.Empty(arrived.Findings());
    }

    [Fact]
    public void CommandWithoutItsCapability_IsAWarning_ButAnnouncedOnesAreNot()
    {
        using var session = new ScriptedSession()
            .Server("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            .Client("a1 LOGIN alice secret\r\n")
            .Server("a1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n")
            .Client("a2 SELECT INBOX\r\n")
            .Server("* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n")
            .Client("a3 UID MOVE 1 Trash\r\n")
            .Server("a3 OK done\r\n")
            .Client("a4 IDLE\r\n")
            .Server("+ idling\r\n")
            .Client("DONE\r\n")
            .Server("a4 OK done\r\n");

        var finding = Assert.Single(session.Findings(), f => f.Severity > Severity.Info);

        Assert.Equal("command-without-capability", finding.Rule);
        Assert.EndsWith("a3 UID MOVE needs MOVE, which the server did not announce", finding.Message);
    }

    [Fact]
    public void CapabilitiesOnlyAnnouncedBeforeLogin_DoNotJudgeCommandsAfterIt()
    {
        // Servers may announce more after login (RFC 3501 §6.2.3); a client that did not ask again is not wrong yet.
        using var session = new ScriptedSession()
            .Server("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            .Client("a1 LOGIN alice secret\r\n")
            .Server("a1 OK Logged in\r\n")
            .Client("a2 NAMESPACE\r\n")
            .Server("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\na2 OK done\r\n");

        Assert.DoesNotContain(session.Findings(), f => f.Rule == "command-without-capability");
    }

    [Fact]
    public void LoginWhileLoginDisabled_AndInClear_AreFound()
    {
        using var session = new ScriptedSession(plaintextLegs: true)
            .Server("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n")
            .Client("a1 LOGIN alice secret\r\n")
            .Server("a1 NO [PRIVACYREQUIRED] use TLS\r\n");

        var findings = session.Findings();

        Assert.Equal(["login-while-disabled", "plaintext-login"], findings.Select(f => f.Rule).Order());
        Assert.EndsWith("a1 LOGIN in clear on client → proxy and proxy → server", findings.Single(f => f.Rule == "plaintext-login").Message);
    }

    [Fact]
    public void UntaggedDataBeforeTheIdleContinuation_IsAWarning()
    {
        using var session = InboxSelected()
            .Client("a3 IDLE\r\n")
            .Server("* 4 EXISTS\r\n+ idling\r\n")
            .Client("DONE\r\n")
            .Server("a3 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal("idle-data-before-continuation", finding.Rule);
        Assert.EndsWith("'* 4 EXISTS' came after a3 IDLE and before '+'", finding.Message);
    }

    [Fact]
    public void ServerEndingIdleAfterFiveMinutes_IsAWarning_ButAfterThirtyItIsNot()
    {
        using var early = InboxSelected().Client("a3 IDLE\r\n").Server("+ idling\r\n").Wait(TimeSpan.FromMinutes(5))
            .Server("* BYE Autologout\r\n");
        using var late = InboxSelected().Client("a3 IDLE\r\n").Server("+ idling\r\n").Wait(TimeSpan.FromMinutes(31))
            .Server("* BYE Autologout\r\n");

        var finding = Assert.Single(early.Findings(CloseReason.ServerClosed));

        Assert.Equal("server-ended-idle-early", finding.Rule);
        Assert.EndsWith("the server closed the connection 5 min into a3 IDLE", finding.Message);
        // 31 minutes without DONE: the client did not renew (RFC 2177), which is its own, informational finding.
        Assert.Equal(["idle-held-too-long"], late.Findings(CloseReason.ServerClosed).Select(f => f.Rule));
    }

    [Fact]
    public void ClientClosingInTheMiddleOfALiteral_SaysAtWhichByte()
    {
        using var session = InboxSelected()
            .Client("a3 UID FETCH 7 BODY.PEEK[]\r\n")
            .Server("* 2 FETCH (UID 7 BODY[] {5000}\r\n" + new string('x', 1200));

        var finding = Assert.Single(session.Findings(CloseReason.ClientClosed), f => f.Severity > Severity.Info);

        Assert.Equal("client-gave-up", finding.Rule);
        Assert.EndsWith("at byte 1,200 of a 5,000-byte literal, while a3 UID FETCH waited", finding.Message);
    }

    [Fact]
    public void ServerClosingWithACommandOutstanding_IsTwoFindings()
    {
        using var session = InboxSelected()
            .Client("a3 UID SEARCH ALL\r\n");

        var findings = session.Findings(CloseReason.ServerClosed);

        Assert.Equal(["command-unanswered", "server-closed-without-bye"], findings.Select(f => f.Rule).Order());
        Assert.EndsWith("the server closed while a3 UID SEARCH waited for an answer", findings.Single(f => f.Rule == "command-unanswered").Message);
    }

    [Fact]
    public void ByeInTheMiddleOfACommand_IsAWarning()
    {
        using var session = InboxSelected()
            .Client("a3 UID FETCH 1:* FLAGS\r\n")
            .Server("* BYE Server shutting down\r\n");

        var findings = session.Findings(CloseReason.ServerClosed);

        var bye = Assert.Single(findings, f => f.Rule == "bye-mid-command");
        Assert.EndsWith("BYE while a3 UID FETCH waited for an answer", bye.Message);
        Assert.DoesNotContain(findings, f => f.Rule == "server-closed-without-bye");
    }

    [Theory]
    [InlineData("a3 NO [UNAVAILABLE] Try later\r\n", "[UNAVAILABLE]")]
    [InlineData("a3 NO Request is throttled. Suggested Backoff Time: 12345 milliseconds\r\n", "\"throttl\"")]
    [InlineData("a3 NO User is authenticated but not connected.\r\n", "\"user is authenticated but not connected\"")]
    public void ThrottlingAnswers_OfRealServers_AreFound(string answer, string why)
    {
        using var session = InboxSelected()
            .Client("a3 UID FETCH 1:* FLAGS\r\n")
            .Server(answer);

        var finding = Assert.Single(session.Findings(), f => f.Rule == "server-throttled");

        Assert.Contains($": {why} in 'a3 NO ", finding.Message);
        Assert.Equal(2, finding.Evidence.Count);
    }

    [Fact]
    public void BadForAWellFormedCommand_IsAWarning_ButNotForAMalformedOne()
    {
        using var session = InboxSelected()
            .Client("a3 UID FETCH 1:* (FLAGS)\r\n")
            .Server("a3 BAD Error in IMAP command\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal("bad-for-valid-command", finding.Rule);
        Assert.EndsWith("a3 UID FETCH: 'a3 BAD Error in IMAP command'", finding.Message);
    }

    [Fact]
    public void ACommandTenTimesSlowerThanItsKind_IsInfo()
    {
        using var session = InboxSelected();
        for (var i = 0; i < 5; i++)
            session.Client($"n{i} NOOP\r\n").Wait(TimeSpan.FromMilliseconds(20)).Server($"n{i} OK done\r\n");
        session.Client("n9 NOOP\r\n").Wait(TimeSpan.FromSeconds(3)).Server("n9 OK done\r\n");

        var finding = Assert.Single(session.Findings());

        Assert.Equal(("slow-command", Severity.Info), (finding.Rule, finding.Severity));
        Assert.EndsWith("n9 NOOP took 3,000 ms; its 5 predecessors took 20 ms at the median", finding.Message);
    }

    [Fact]
    public void OneBugRepeatedInEveryFetch_IsReportedABoundedNumberOfTimes()
    {
        using var session = InboxSelected();
        session.Client("a3 FETCH 1:* FLAGS\r\n");
        for (var n = 4; n < 100; n++) session.Server($"* {n} FETCH (FLAGS ())\r\n");
        session.Server("a3 OK done\r\n");

        var findings = session.Findings();

        Assert.Equal(20, findings.Count);
        Assert.EndsWith("(the 20th of this rule in the session; later ones are not reported)", findings[^1].Message);
    }
}
