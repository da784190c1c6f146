using ImapProxy.Protocol.Diagnostics;

namespace ImapProxy.Recording.Findings;

/// <summary>
/// The catalog of findings: conclusions drawn from several events of a session, where the parser's diagnostics
/// (Protocol's <c>Rules</c>) judge one frame at a time. Ids are stable: filters, exports and scripts use them.
/// </summary>
public static class FindingRules
{
    // ---- sizes: what the server announced against what it sent ----

    public static readonly FindingRule Rfc822SizeMismatch = new("rfc822-size-mismatch", Severity.Error, "RFC 3501 §7.4.2 (RFC822.SIZE)",
        "RFC822.SIZE disagrees with the length of the message the server sent",
        "clients that allocate or show progress by RFC822.SIZE truncate the message, or wait for bytes that never come");
    public static readonly FindingRule BodyStructureSizeMismatch = new("bodystructure-size-mismatch", Severity.Error, "RFC 3501 §7.4.2 (body-fld-octets)",
        "a BODYSTRUCTURE part size disagrees with the part the server sent",
        "clients that size downloads of attachments by BODYSTRUCTURE show them truncated or stall at the end");
    public static readonly FindingRule BinarySizeMismatch = new("binary-size-mismatch", Severity.Error, "RFC 3516 §4.2 (BINARY.SIZE)",
        "BINARY.SIZE disagrees with the length of the decoded part the server sent",
        "clients that allocate by BINARY.SIZE truncate the attachment or wait for bytes that never come");

    // ---- what the server said of a message against the message itself ----

    public static readonly FindingRule EnvelopeMismatch = new("envelope-mismatch", Severity.Error, "RFC 3501 §7.4.2 (ENVELOPE)",
        "ENVELOPE disagrees with the message's own headers",
        "clients show the ENVELOPE in the message list and the headers when the message is opened: recipients, subjects or senders change under the user (a space inserted into an address splits one recipient in two)");
    public static readonly FindingRule BodyStructureMismatch = new("bodystructure-mismatch", Severity.Error, "RFC 3501 §7.4.2 (BODYSTRUCTURE)",
        "BODYSTRUCTURE disagrees with the structure of the message the server sent",
        "clients that fetch parts by BODYSTRUCTURE ask for parts that are not there, decode with the wrong charset or encoding, or lose attachments");

    // ---- the selected mailbox's state ----

    public static readonly FindingRule UidValidityChanged = new("uidvalidity-changed", Severity.Error, "RFC 3501 §2.3.1.1",
        "UIDVALIDITY of a mailbox changed within the session",
        "clients must drop every cached message of the mailbox and download it again; many treat it as a new account and resync everything");
    public static readonly FindingRule UidValidityChangedBetweenSessions = new("uidvalidity-changed-between-sessions", Severity.Warning,
        "RFC 3501 §2.3.1.1",
        "UIDVALIDITY of a mailbox differs from the one an earlier session of the same user and server was given",
        "clients drop their cache of the mailbox and download it again at every such change: a server that changes it " +
        "without recreating the mailbox makes phones resync, burn data and battery, and lose local state");
    public static readonly FindingRule UidNextWentBack = new("uidnext-went-back", Severity.Warning, "RFC 3501 §2.3.1.1",
        "UIDNEXT went backwards for the same UIDVALIDITY",
        "clients that fetch new mail by UID ranges above their last UIDNEXT miss or duplicate messages");
    public static readonly FindingRule UidAtOrAboveUidNext = new("uid-at-or-above-uidnext", Severity.Warning, "RFC 3501 §2.3.1.1",
        "a message has a UID at or above the UIDNEXT announced for the mailbox, with no new message since",
        "clients that trust UIDNEXT fetch this message again on every sync");
    public static readonly FindingRule ExistsShrank = new("exists-shrank", Severity.Error, "RFC 3501 §7.3.1",
        "the message count went down without EXPUNGE or VANISHED",
        "clients keep sequence numbers that no longer exist and fetch the wrong messages, or crash on an index out of range");
    public static readonly FindingRule SequenceAboveExists = new("sequence-above-exists", Severity.Error, "RFC 3501 §2.3.1.2",
        "a FETCH or EXPUNGE names a message number above the message count",
        "clients index their message list by sequence number: an out-of-range number is a crash in many of them");
    public static readonly FindingRule UidUnderTwoNumbers = new("uid-under-two-numbers", Severity.Error, "RFC 3501 §2.3.1.1",
        "the same UID appeared under two message numbers with no EXPUNGE in between",
        "clients show one message twice, or apply flags and deletes to the wrong message");
    public static readonly FindingRule ModSeqNotIncreasing = new("modseq-not-increasing", Severity.Warning, "RFC 7162 §3.1.1",
        "a MODSEQ or HIGHESTMODSEQ is zero or went backwards",
        "clients that resync with CHANGEDSINCE miss flag changes or redo a full sync each time");

    public static readonly FindingRule FlagNotAnnounced = new("flag-not-announced", Severity.Info, "RFC 3501 §7.2.6, §7.1 (PERMANENTFLAGS)",
        "a message carries a flag the mailbox's FLAGS did not list",
        "clients that build their flag menus from FLAGS cannot show or clear it");

    public static readonly FindingRule SearchDateContradiction = new("search-date-contradiction", Severity.Warning, "RFC 3501 §6.4.4 (BEFORE, ON, SINCE)",
        "SEARCH by date returned a message whose INTERNALDATE (fetched in the session) does not match the date",
        "date searches compare the internal date's own calendar day, disregarding time and timezone; a server that uses UTC (or its own zone) shifts messages into the wrong day, and clients that sync by SINCE miss or repeat them");

    // ---- capabilities ----

    public static readonly FindingRule CommandWithoutCapability = new("command-without-capability", Severity.Warning, "RFC 3501 §6.1.1, §7.2.1",
        "the client used a command or argument the server did not announce",
        "servers may answer BAD or, worse, read it as something else; clients should not rely on it");
    public static readonly FindingRule LoginWhileDisabled = new("login-while-disabled", Severity.Warning, "RFC 3501 §6.2.3, §7.2.1 (LOGINDISABLED)",
        "the client sent LOGIN although the server announced LOGINDISABLED",
        "the server must refuse it; the client shows a login failure that is not about the password");
    public static readonly FindingRule PlaintextLogin = new("plaintext-login", Severity.Info, "RFC 8314 §3, RFC 3501 §6.2.3",
        "credentials crossed a leg without TLS",
        null);
    public static readonly FindingRule CapabilitiesLost = new("capabilities-lost-after-login", Severity.Info, "RFC 3501 §7.2.1",
        "capabilities announced before login were gone after it",
        "clients that decided on the first CAPABILITY (IDLE, CONDSTORE...) use what the server no longer offers");

    // ---- IDLE ----

    public static readonly FindingRule IdleDataBeforeContinuation = new("idle-data-before-continuation", Severity.Warning, "RFC 2177 §3",
        "the server sent untagged data after IDLE and before its continuation request",
        "clients that wait for '+' before they listen drop these updates, or treat the line as a protocol error");
    public static readonly FindingRule IdleHeldTooLong = new("idle-held-too-long", Severity.Info, "RFC 2177 §3",
        "the client stayed in IDLE longer than 29 minutes without renewing it",
        "servers may log the client out after 30 minutes of inactivity");
    public static readonly FindingRule ServerEndedIdleEarly = new("server-ended-idle-early", Severity.Warning, "RFC 3501 §5.4, RFC 2177 §3",
        "the server ended IDLE, or the connection, before the 30-minute inactivity minimum",
        "clients reconnect at once and drain the phone's battery, or show 'connection lost'");

    // ---- the end of the session ----

    public static readonly FindingRule CommandUnanswered = new("command-unanswered", Severity.Warning, "RFC 3501 §2.2.2",
        "the session ended while commands were still waiting for their tagged response",
        "the client's operation fails or hangs (a stalled sync, a spinner that never stops)");
    public static readonly FindingRule ClientGaveUp = new("client-gave-up", Severity.Warning, null,
        "the client closed the connection while the server was still sending a response",
        "usually the client's own timeout or a crash while reading; compare the time with the client's timeout");
    public static readonly FindingRule ServerClosedWithoutBye = new("server-closed-without-bye", Severity.Warning, "RFC 3501 §7.1.5",
        "the server closed the connection without a BYE",
        "clients report a network error instead of the server's reason, and retry at once");
    public static readonly FindingRule FetchAnswerIncomplete = new("fetch-answer-incomplete", Severity.Warning, "RFC 3501 §6.4.5, §2.3.1.2",
        "the server completed a FETCH without data for a message it names, though it answered a higher-numbered one",
        "clients that wait for every message they asked for stall until their timeout, or show that message empty");
    public static readonly FindingRule ByeMidCommand = new("bye-mid-command", Severity.Warning, "RFC 3501 §7.1.5",
        "the server sent BYE while a command other than LOGOUT was in progress",
        "the command fails; clients that do not read BYE as an answer hang until their timeout");

    // ---- server behaviour ----

    public static readonly FindingRule ServerThrottled = new("server-throttled", Severity.Warning, "RFC 5530 §3",
        "the server said it is throttling or overloaded",
        "clients that retry at once make it worse; they should back off");
    public static readonly FindingRule BadForValidCommand = new("bad-for-valid-command", Severity.Warning, "RFC 3501 §7.1.3",
        "the server answered BAD to a command the parser read as well-formed",
        "clients treat BAD as their own bug and usually give up on the operation");
    public static readonly FindingRule SlowCommand = new("slow-command", Severity.Info, null,
        "a command took much longer than the others of its kind in the session",
        "clients with short timeouts (often 30–60 s on phones) give up and reconnect");

    public static IReadOnlyList<FindingRule> All { get; } = typeof(FindingRules).GetFields()
        .Where(f => f.FieldType == typeof(FindingRule)).Select(f => (FindingRule)f.GetValue(null)!).ToArray();

    public static FindingRule? Find(string id) => All.FirstOrDefault(r => r.Id == id);
}
