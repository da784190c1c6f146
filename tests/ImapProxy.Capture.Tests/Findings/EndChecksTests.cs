using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// How a session ended: commands left without an answer (RFC 3501 §2.2.2), a response the client stopped reading, a
/// server gone without BYE (RFC 3501 §7.1.5). Who ended it is in every message: it is the first thing a user asks.
/// </summary>
public class EndChecksTests
{
    private static ScriptedSession Selected() => ScriptedSession.Selected("IMAP4rev1 IDLE");

    private static List<string> Said(IEnumerable<FindingReported> findings, string rule) =>
        findings.Where(f => f.Rule == rule).Select(f => f.Detail()).ToList();

    [Theory]
    [InlineData(CloseReason.ClientClosed, "the client closed while a3 NOOP waited for an answer")]
    [InlineData(CloseReason.ClientReset, "the client closed while a3 NOOP waited for an answer")]
    [InlineData(CloseReason.ServerClosed, "the server closed while a3 NOOP waited for an answer")]
    [InlineData(CloseReason.ServerReset, "the server closed while a3 NOOP waited for an answer")]
    [InlineData(CloseReason.IdleTimeout, "the session ended while a3 NOOP waited for an answer")]
    // The proxy's own ending, a dead proxy's sessions closed by the next and a recording's end say nothing of the peers.
    [InlineData(CloseReason.ProxyShutdown, null)]
    [InlineData(CloseReason.ProxyStopped, null)]
    [InlineData(CloseReason.EndOfRecording, null)]
    public void ACommandLeftWithoutAnswer_SaysWhoEndedTheSession(CloseReason reason, string? expected)
    {
        using var session = Selected().Client("a3 NOOP\r\n");

        Assert.Equal(expected is null ? [] : [expected], Said(session.Findings(reason), "command-unanswered"));
    }

    [Fact]
    public void CommandsLeftWithoutAnswer_AreNamedInTheOrderSent_FiveAtMost()
    {
        using var session = Selected()
            .Client("a3 NOOP\r\na4 NOOP\r\n")
            .Server("a3 OK done\r\n")
            // a5 takes the place a3 left in the engine's table: the message still follows the order sent.
            .Client("a5 CHECK\r\na6 NOOP\r\na7 NOOP\r\na8 NOOP\r\na9 NOOP\r\n");

        Assert.Equal(["the client closed while a4 NOOP, a5 CHECK, a6 NOOP, a7 NOOP, a8 NOOP and 1 more waited for an answer"],
            Said(session.Findings(), "command-unanswered"));

        using var five = Selected().Client("b1 NOOP\r\nb2 NOOP\r\nb3 NOOP\r\nb4 NOOP\r\nb5 NOOP\r\n");
        Assert.Equal(["the client closed while b1 NOOP, b2 NOOP, b3 NOOP, b4 NOOP, b5 NOOP waited for an answer"],
            Said(five.Findings(), "command-unanswered"));
    }

    [Fact]
    public void LogoutAndIdle_LeftWithoutAnswer_AreNotUnanswered()
    {
        // LOGOUT's answer may race the close; a client that quits while in IDLE waits for nothing.
        using var logout = Selected().Client("a3 LOGOUT\r\n");
        using var idle = Selected().Client("a3 IDLE\r\n").Server("+ idling\r\n");

        Assert.Empty(Said(logout.Findings(), "command-unanswered"));
        Assert.Empty(Said(idle.Findings(), "command-unanswered"));
    }

    [Theory]
    [InlineData(CloseReason.ServerClosed, "the connection was closed")]
    [InlineData(CloseReason.ServerReset, "the connection was reset")]
    public void AServerGoneWithoutBye_SaysHow(CloseReason reason, string expected)
    {
        using var session = Selected();

        Assert.Equal([expected], Said(session.Findings(reason), "server-closed-without-bye"));
    }

    [Fact]
    public void AServerThatSaidByeFirst_OrAClientThatClosed_IsNotGoneWithoutBye()
    {
        using var bye = Selected().Server("* BYE Autologout\r\n");
        using var client = Selected();

        Assert.Empty(Said(bye.Findings(CloseReason.ServerClosed), "server-closed-without-bye"));
        Assert.Empty(Said(client.Findings(CloseReason.ClientClosed), "server-closed-without-bye"));
    }

    [Fact]
    public void AClientThatStopsReadingAResponseLine_SaysHowMuchOfTheLineCame()
    {
        using var session = Selected()
            .Client("a3 FETCH 1 FLAGS\r\n")
            .Server("* 1 FETCH (FLAGS (\\Seen");

        var findings = session.Findings(CloseReason.ClientReset);

        Assert.Equal(["after 23 bytes of a response line, while a3 FETCH waited"], Said(findings, "client-gave-up"));
        // The client's leaving is already said: not a second time as a command without answer.
        Assert.Empty(Said(findings, "command-unanswered"));
    }

    [Fact]
    public void AClientThatLeavesInTheMiddleOfAnUnsolicitedLiteral_HasNothingWaiting()
    {
        // In IDLE the server may send data unasked (RFC 2177); a client that leaves during it waited for no answer.
        using var session = Selected()
            .Client("a3 IDLE\r\n")
            .Server("+ idling\r\n* 4 FETCH (BODY[] {100}\r\n" + new string('x', 40));

        Assert.Equal(["at byte 40 of a 100-byte literal"], Said(session.Findings(CloseReason.ClientClosed), "client-gave-up"));
    }

    [Fact]
    public void AResponseCutWhenTheServerCloses_IsNotTheClientGivingUp()
    {
        using var session = Selected()
            .Client("a3 FETCH 1 BODY[]\r\n")
            .Server("* 1 FETCH (BODY[] {100}\r\n" + new string('x', 40));

        var findings = session.Findings(CloseReason.ServerClosed);

        Assert.Empty(Said(findings, "client-gave-up"));
        Assert.Equal(["the server closed while a3 FETCH waited for an answer"], Said(findings, "command-unanswered"));
    }
}
