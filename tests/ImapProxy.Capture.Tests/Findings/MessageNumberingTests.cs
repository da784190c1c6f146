namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// Message numbers change meaning with each SELECT, EXPUNGE and VANISHED (RFC 3501 §2.3.1.2): what the engine knew of
/// "message 2" before is not evidence about "message 2" after. A UID keeps its message (§2.3.1.1).
/// </summary>
public class MessageNumberingTests
{
    [Theory]
    [InlineData("a4 SELECT INBOX\r\n", "* 3 EXISTS\r\na4 OK [READ-WRITE] done\r\n")]
    [InlineData("a4 NOOP\r\n", "* 1 EXPUNGE\r\na4 OK done\r\n")]
    [InlineData("a4 NOOP\r\n", "* VANISHED 11\r\na4 OK done\r\n")]
    public void ASizeToldOfAMessageNumber_IsNotComparedAfterTheNumbersMoved(string command, string answer)
    {
        using var session = ScriptedSession.Selected()
            .Client("a3 FETCH 2 RFC822.SIZE\r\n").Server("* 2 FETCH (RFC822.SIZE 120)\r\na3 OK done\r\n")
            .Client(command).Server(answer)
            .Client("a5 FETCH 2 BODY.PEEK[]\r\n").Server($"* 2 FETCH (BODY[] {{100}}\r\n{ScriptedSession.Body(100)})\r\na5 OK done\r\n");

        Assert.DoesNotContain(session.Findings(), f => f.Rule == "rfc822-size-mismatch");
    }

    [Fact]
    public void ASizeToldOfAMessageNumber_IsComparedWhileTheNumbersStand()
    {
        using var session = ScriptedSession.Selected()
            .Client("a3 FETCH 2 RFC822.SIZE\r\n").Server("* 2 FETCH (RFC822.SIZE 120)\r\na3 OK done\r\n")
            .Client("a4 NOOP\r\n").Server("* 4 EXISTS\r\na4 OK done\r\n")
            .Client("a5 FETCH 2 BODY.PEEK[]\r\n").Server($"* 2 FETCH (BODY[] {{100}}\r\n{ScriptedSession.Body(100)})\r\na5 OK done\r\n");

        Assert.Single(session.Findings(), f => f.Rule == "rfc822-size-mismatch");
    }

    [Fact]
    public void ASizeToldOfAUid_IsComparedAcrossAnExpunge()
    {
        using var session = ScriptedSession.Selected()
            .Client("a3 UID FETCH 12 RFC822.SIZE\r\n").Server("* 2 FETCH (UID 12 RFC822.SIZE 120)\r\na3 OK done\r\n")
            .Client("a4 NOOP\r\n").Server("* 1 EXPUNGE\r\na4 OK done\r\n")
            .Client("a5 UID FETCH 12 BODY.PEEK[]\r\n").Server($"* 1 FETCH (UID 12 BODY[] {{100}}\r\n{ScriptedSession.Body(100)})\r\na5 OK done\r\n");

        Assert.Single(session.Findings(), f => f.Rule == "rfc822-size-mismatch");
    }
}
