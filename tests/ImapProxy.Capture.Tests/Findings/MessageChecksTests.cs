namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// What the server says of a message (ENVELOPE, BODYSTRUCTURE, RFC 3501 §7.4.2) against the message itself, read
/// with MimeKit: the first difference, in words a user can check against the raw bytes.
/// </summary>
public class MessageChecksTests
{
    private const string Headers = "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: hello\r\nMessage-ID: <m1@example.com>\r\n\r\n";

    private const string Message = "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        + "Content-Type: text/plain; charset=us-ascii\r\n\r\nhi\r\n"
        + "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n";

    private const string TextPart = "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 2 0 NIL NIL NIL NIL)";
    private const string PdfPart = "(\"application\" \"pdf\" NIL NIL NIL \"base64\" 4 NIL NIL NIL NIL)";

    private static string Envelope(string subject, string fromHost, string messageId) =>
        $"(NIL \"{subject}\" ((\"Ann\" NIL \"ann\" \"{fromHost}\")) NIL NIL ((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL \"{messageId}\")";

    private static List<(string Rule, string Detail)> Found(ScriptedSession session) =>
        session.Findings().Select(f => (f.Rule, f.Detail())).ToList();

    [Theory]
    [InlineData("hullo", "example.com", "<m1@example.com>", "message 2: ENVELOPE subject \"hullo\", the Subject header \"hello\"")]
    [InlineData("hello", "example.org", "<m1@example.com>", "message 2: ENVELOPE from has 1 address (ann@example.org), the From header 1 (ann@example.com)")]
    [InlineData("hello", "example.com", "<m2@example.com>", "message 2: ENVELOPE message-id <m2@example.com>, the Message-ID header <m1@example.com>")]
    [InlineData("hello", "example.com", "<m1@example.com>", null)]
    public void AnEnvelope_IsComparedWithTheHeadersFieldByField(string subject, string fromHost, string messageId, string? expected)
    {
        using var session = ScriptedSession.Selected()
            .Client("a3 FETCH 2 (ENVELOPE BODY.PEEK[HEADER])\r\n")
            .Server($"* 2 FETCH (ENVELOPE {Envelope(subject, fromHost, messageId)} BODY[HEADER] {{{Headers.Length}}}\r\n{Headers})\r\na3 OK done\r\n");

        Assert.Equal(expected is null ? [] : [("envelope-mismatch", expected)], Found(session));
    }

    [Theory]
    [InlineData($"({TextPart}{PdfPart} \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)", null)]
    [InlineData($"({TextPart}(\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 4 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
        "message UID 7: part 2 is application/octet-stream in BODYSTRUCTURE, application/pdf in the message")]
    [InlineData($"({TextPart} \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
        "message UID 7: the message has 1 part in BODYSTRUCTURE, 2 in the message")]
    [InlineData($"((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 2 0 NIL NIL NIL NIL){PdfPart} \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
        "message UID 7: part 1 has charset utf-8 in BODYSTRUCTURE, us-ascii in the message")]
    [InlineData(TextPart, "message UID 7: the message is text/plain in BODYSTRUCTURE, multipart/mixed in the message")]
    public void ABodyStructure_IsComparedWithTheMessagesMimeTree(string structure, string? expected)
    {
        using var session = ScriptedSession.Selected()
            .Client("a3 UID FETCH 7 (BODYSTRUCTURE BODY.PEEK[])\r\n")
            .Server($"* 2 FETCH (UID 7 BODYSTRUCTURE {structure} BODY[] {{{Message.Length}}}\r\n{Message})\r\na3 OK done\r\n");

        Assert.Equal(expected is null ? [] : [("bodystructure-mismatch", expected)], Found(session));
    }

    [Fact]
    public void AMessageIsJudgedOnce_HoweverOftenItIsFetched()
    {
        var fetch = $"* 2 FETCH (ENVELOPE {Envelope("hullo", "example.com", "<m1@example.com>")} BODY[HEADER] {{{Headers.Length}}}\r\n{Headers})\r\n";
        using var session = ScriptedSession.Selected()
            .Client("a3 FETCH 2 (ENVELOPE BODY.PEEK[HEADER])\r\n").Server($"{fetch}a3 OK done\r\n")
            .Client("a4 FETCH 2 (ENVELOPE BODY.PEEK[HEADER])\r\n").Server($"{fetch}a4 OK done\r\n");

        Assert.Single(Found(session));
    }
}
