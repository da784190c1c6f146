namespace ImapProxy.Protocol.Diagnostics;

/// <summary>
/// The catalog of diagnostics the parser reports. Each rule has a stable id (used in filters such as
/// <c>anomaly:quoted-8bit</c>), a severity and the RFC section it refers to.
/// </summary>
public sealed record Rule(string Id, Severity Severity, string? Rfc, string Summary)
{
    public Diagnostic At(long offset, string? detail = null) =>
        new(Id, Severity, offset, detail is null ? Summary : $"{Summary}: {detail}", Rfc);
}

public static class Rules
{
    public static readonly Rule LineTooLong = new("line-too-long", Severity.Error, null,
        "line longer than the parser's limit; skipped to the next CRLF");
    public static readonly Rule Truncated = new("truncated", Severity.Error, null,
        "the stream ended in the middle of a frame");
    public static readonly Rule Syntax = new("syntax", Severity.Error, "RFC 3501 §9",
        "malformed syntax");
    public static readonly Rule NestingTooDeep = new("nesting-too-deep", Severity.Error, null,
        "parenthesised lists nested deeper than the parser's limit");
    public static readonly Rule LiteralLengthOverflow = new("literal-length-overflow", Severity.Error, "RFC 3501 §4.3",
        "literal length does not fit in 63 bits");
    public static readonly Rule BareLf = new("bare-lf", Severity.Warning, "RFC 3501 §2.2",
        "line ends with LF instead of CRLF");
    public static readonly Rule LowercaseKeyword = new("lowercase-keyword", Severity.Info, "RFC 3501 §9",
        "keyword not in upper case (legal, case-insensitive, but unusual from this side)");
    public static readonly Rule Quoted8Bit = new("quoted-8bit", Severity.Warning, "RFC 3501 §9 (quoted = TEXT-CHAR, 7-bit)",
        "8-bit bytes inside a quoted string");
    public static readonly Rule UnescapedQuote = new("unescaped-quote", Severity.Warning, "RFC 3501 §9 (quoted-specials)",
        "unescaped double quote inside a quoted string (seen from iCloud)");
    public static readonly Rule ExtraSpace = new("extra-space", Severity.Warning, "RFC 3501 §9",
        "more than one space between tokens (seen from Outlook in ENVELOPE)");
    public static readonly Rule NilBodyEncoding = new("nil-body-encoding", Severity.Warning, "RFC 3501 §9 (body-fld-enc)",
        "NIL where the body encoding belongs (seen from Exchange)");
    public static readonly Rule StringDisposition = new("string-disposition", Severity.Warning, "RFC 3501 §9 (body-fld-dsp)",
        "a string where the body disposition list belongs (seen from Exchange)");
    public static readonly Rule EmptyMultipart = new("empty-multipart", Severity.Warning, "RFC 3501 §9 (body-type-mpart = 1*body)",
        "multipart body with no parts (seen from Gmail)");
    public static readonly Rule UnexpectedLine = new("unexpected-line", Severity.Warning, "RFC 3501 §7",
        "server line that is neither untagged, tagged nor a continuation (text after a tagged completion?)");
    public static readonly Rule UnknownTag = new("unknown-tag", Severity.Warning, "RFC 3501 §2.2.2",
        "tagged response for a tag the client did not send (or already completed)");
    public static readonly Rule DuplicateTag = new("duplicate-tag", Severity.Warning, "RFC 3501 §2.2.1",
        "client reused a tag that is still in progress");
    public static readonly Rule UnexpectedContinuation = new("unexpected-continuation", Severity.Warning, "RFC 3501 §7.5",
        "continuation request while the client was not waiting for one");
    public static readonly Rule LiteralMinusTooLarge = new("literal-minus-too-large", Severity.Warning, "RFC 7888 §5",
        "non-synchronizing literal larger than 4096 bytes while the server only announced LITERAL-");
    public static readonly Rule NonSyncWithoutCapability = new("literal-plus-not-announced", Severity.Warning, "RFC 7888 §4",
        "non-synchronizing literal while the server announced neither LITERAL+ nor LITERAL-");
    public static readonly Rule ClientDidNotWait = new("client-did-not-wait", Severity.Warning, "RFC 3501 §7.5",
        "the client sent data before the server's continuation request");
    public static readonly Rule StartTlsInjection = new("starttls-injection", Severity.Error, "RFC 3501 §6.2.1",
        "bytes sent after STARTTLS and before the TLS handshake (command injection); not carried into TLS");
    public static readonly Rule NotPlaintext = new("not-plaintext", Severity.Info, "RFC 3501 §6.2.1, RFC 4978 §3",
        "bytes after STARTTLS or COMPRESS that this parse cannot read (encrypted or compressed)");
    public static readonly Rule DeflateCorrupt = new("deflate-corrupt", Severity.Error, "RFC 4978 §4",
        "the compressed stream could not be inflated; the rest of this direction is not parsed");
    public static readonly Rule ExpectedDone = new("expected-done", Severity.Warning, "RFC 2177 §3",
        "a line other than DONE while IDLE was active");
    public static readonly Rule TooManyPendingCommands = new("too-many-pending-commands", Severity.Warning, null,
        "more commands in progress than the parser tracks; the oldest was forgotten");
    public static readonly Rule CommandInWrongState = new("command-in-wrong-state", Severity.Info, "RFC 3501 §3",
        "command not valid in the current protocol state");
    public static readonly Rule InvalidNumber = new("invalid-number", Severity.Warning, "RFC 3501 §9 (number)",
        "not a valid number");
    public static readonly Rule InvalidBase64 = new("invalid-base64", Severity.Warning, "RFC 3501 §9 (base64)",
        "not valid base64");
    public static readonly Rule InvalidModifiedUtf7 = new("invalid-mutf7", Severity.Warning, "RFC 3501 §5.1.3",
        "mailbox name is not valid modified UTF-7");
    public static readonly Rule BodyStructure = new("bodystructure", Severity.Warning, "RFC 3501 §7.4.2",
        "BODYSTRUCTURE deviates from the grammar");
    public static readonly Rule Envelope = new("envelope", Severity.Warning, "RFC 3501 §7.4.2",
        "ENVELOPE deviates from the grammar");
    public static readonly Rule EnvelopeExtraList = new("envelope-extra-list", Severity.Warning, "RFC 3501 §9 (envelope)",
        "ENVELOPE wrapped in an extra pair of parentheses; read inside them, as MailKit does");
    public static readonly Rule NegativeModSeq = new("negative-modseq", Severity.Warning, "RFC 7162 §7 (mod-sequence-value)",
        "negative MODSEQ (mod-sequences are positive); kept as sent");
    public static readonly Rule SectionWithoutValue = new("section-without-value", Severity.Warning, "RFC 3501 §9 (msg-att-static)",
        "a body section named without its value at the end of a FETCH; read as NIL");
    public static readonly Rule CodeWithoutStatus = new("code-without-status", Severity.Warning, "RFC 3501 §9 (resp-cond-state)",
        "an untagged response code without OK, NO or BAD before it; its code is read");

    public static IReadOnlyList<Rule> All { get; } = typeof(Rules).GetFields()
        .Where(f => f.FieldType == typeof(Rule)).Select(f => (Rule)f.GetValue(null)!).ToArray();
}
