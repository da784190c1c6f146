using ImapProxy.Protocol.Commands;

namespace ImapProxy.Protocol.Tests;

/// <summary>Which commands each state allows (RFC 3501 §3, §6.1-6.4, and the extensions' own sections), written out
/// as the RFCs list them: N not authenticated, A authenticated, S selected, L logout.</summary>
public class CommandStateTests
{
    [Theory]
    [InlineData("CAPABILITY", "NASL")] // §6.1: any state
    [InlineData("NOOP", "NASL")]
    [InlineData("LOGOUT", "NASL")]
    [InlineData("ID", "NASL")] // RFC 2971 §3.1: any state
    [InlineData("STARTTLS", "N")] // §6.2
    [InlineData("AUTHENTICATE", "N")]
    [InlineData("LOGIN", "N")]
    [InlineData("SELECT", "AS")] // §6.3: authenticated, and so also selected (§3.3)
    [InlineData("EXAMINE", "AS")]
    [InlineData("CREATE", "AS")]
    [InlineData("DELETE", "AS")]
    [InlineData("RENAME", "AS")]
    [InlineData("SUBSCRIBE", "AS")]
    [InlineData("UNSUBSCRIBE", "AS")]
    [InlineData("LIST", "AS")]
    [InlineData("LSUB", "AS")]
    [InlineData("STATUS", "AS")]
    [InlineData("APPEND", "AS")]
    [InlineData("NAMESPACE", "AS")] // RFC 2342 §5
    [InlineData("ENABLE", "AS")] // RFC 5161 §3.1
    [InlineData("IDLE", "AS")] // RFC 2177 §3
    [InlineData("COMPRESS", "AS")] // RFC 4978 §3
    [InlineData("CHECK", "S")] // §6.4
    [InlineData("CLOSE", "S")]
    [InlineData("UNSELECT", "S")] // RFC 3691 §2
    [InlineData("EXPUNGE", "S")]
    [InlineData("SEARCH", "S")]
    [InlineData("FETCH", "S")]
    [InlineData("STORE", "S")]
    [InlineData("COPY", "S")]
    [InlineData("MOVE", "S")] // RFC 6851 §3.1
    [InlineData("UID FETCH", "S")] // §6.4.8
    [InlineData("UID EXPUNGE", "S")] // RFC 4315 §2.1
    [InlineData("XAPPLEPUSHSERVICE", "NASL")] // unknown commands are not judged
    public void CommandsAreAllowedInTheStatesTheRfcsName(string command, string states)
    {
        var allowed = new[] { ProtocolState.NotAuthenticated, ProtocolState.Authenticated, ProtocolState.Selected, ProtocolState.Logout }
            .Where(s => CommandParser.IsValidIn(command, s))
            .Select(s => s switch { ProtocolState.NotAuthenticated => 'N', ProtocolState.Authenticated => 'A', ProtocolState.Selected => 'S', _ => 'L' });

        Assert.Equal(states, string.Concat(allowed));
    }

    [Fact]
    public void ACommandInAStateThatDoesNotAllowIt_IsNamed_AsInfo()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 FETCH 1 FLAGS\r\n"), ("S", "a1 BAD no mailbox selected\r\n")));

        var diagnostic = Assert.Single(session.Frames.OfType<CommandFrame>().Single().Diagnostics!);
        Assert.Equal(("command-in-wrong-state", Diagnostics.Severity.Info), (diagnostic.Rule, diagnostic.Severity));
        Assert.EndsWith("FETCH in Authenticated", diagnostic.Message);
    }
    private static List<StateChangeFrame> States(params (string Side, string Text)[] parts) =>
        ParsedSession.Run(Transcript.Of(parts)).Frames.OfType<StateChangeFrame>().ToList();

    [Fact]
    public void AFailedSelect_WhileAMailboxIsSelected_LeavesNoneSelected()
    {
        // RFC 3501 §6.3.1: "if a mailbox is selected and a SELECT command that fails is attempted, no mailbox is selected."
        var last = States(("S", "* PREAUTH ready\r\n"), ("C", "a1 SELECT INBOX\r\n"), ("S", "a1 OK [READ-WRITE] done\r\n"),
            ("C", "a2 SELECT Nope\r\n"), ("S", "a2 NO no such mailbox\r\n"))[^1];

        Assert.Equal((ProtocolState.Authenticated, (string?)null), (last.State, last.Mailbox));
    }

    [Fact]
    public void AFailedSelect_BeforeLogin_LeavesTheSessionNotAuthenticated()
    {
        var states = States(("S", "* OK ready\r\n"), ("C", "a1 SELECT INBOX\r\n"), ("S", "a1 NO log in first\r\n"),
            ("C", "a2 NOOP\r\n"), ("S", "a2 OK\r\n"));

        Assert.DoesNotContain(states, s => s.State != ProtocolState.NotAuthenticated);
    }

    [Theory]
    [InlineData("SELECT", "[READ-ONLY] no write access", true)] // §6.3.1: a mailbox the user may only read
    [InlineData("SELECT", "[READ-WRITE] done", false)]
    [InlineData("SELECT", "done", false)]
    [InlineData("EXAMINE", "[READ-ONLY] done", true)] // §6.3.2
    [InlineData("EXAMINE", "done", true)]
    [InlineData("EXAMINE", "[READ-WRITE] done", false)] // §7.1: READ-WRITE says the mailbox is selected read-write
    public void ReadOnly_IsWhatTheServersCodeSays_ElseWhatTheCommandAsked(string command, string okText, bool readOnly)
    {
        var last = States(("S", "* PREAUTH ready\r\n"), ("C", $"a1 {command} INBOX\r\n"), ("S", $"a1 OK {okText}\r\n"))[^1];

        Assert.Equal((ProtocolState.Selected, "INBOX", readOnly), (last.State, last.Mailbox, last.ReadOnly));
    }

    [Theory]
    [InlineData("CLOSE")] // §6.4.2
    [InlineData("UNSELECT")] // RFC 3691 §2
    public void CloseAndUnselect_ReturnToAuthenticated(string command)
    {
        var last = States(("S", "* PREAUTH ready\r\n"), ("C", "a1 SELECT INBOX\r\n"), ("S", "a1 OK done\r\n"),
            ("C", $"a2 {command}\r\n"), ("S", "a2 OK done\r\n"))[^1];

        Assert.Equal((ProtocolState.Authenticated, (string?)null), (last.State, last.Mailbox));
    }

    [Fact]
    public void Logout_CompletedWithoutABye_StillEndsTheSession()
    {
        // §6.1.3 has the server send BYE first; one that does not still ends the session with the OK.
        var last = States(("S", "* PREAUTH ready\r\n"), ("C", "a1 LOGOUT\r\n"), ("S", "a1 OK bye\r\n"))[^1];

        Assert.Equal(ProtocolState.Logout, last.State);
    }

    [Fact]
    public void CapabilitiesInTheTaggedOkOfLogin_ReplaceTheGreetingsOnes()
    {
        // RFC 3501 §6.2.3: "A server MAY include a CAPABILITY response code in the tagged OK response to a successful LOGIN".
        var last = States(("S", "* OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS AUTH=PLAIN] ready\r\n"), ("C", "a1 LOGIN alice secret\r\n"),
            ("S", "a1 OK [CAPABILITY IMAP4rev1 IDLE MOVE] logged in\r\n"))[^1];

        Assert.Equal((ProtocolState.Authenticated, "alice"), (last.State, last.User));
        Assert.Equal(["IDLE", "IMAP4rev1", "MOVE"], last.Capabilities);
    }

    [Fact]
    public void TheSameCapabilitiesAnnouncedAgain_AreNoChange()
    {
        var states = States(("S", "* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n"), ("C", "a1 CAPABILITY\r\n"),
            ("S", "* CAPABILITY IDLE IMAP4rev1\r\na1 OK done\r\n"));

        Assert.Equal(["IDLE", "IMAP4rev1"], Assert.Single(states).Capabilities);
    }

    [Fact]
    public void NewCapabilities_AloneAreANewState()
    {
        var states = States(("S", "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"), ("C", "a1 CAPABILITY\r\n"),
            ("S", "* CAPABILITY IMAP4rev1 STARTTLS ID\r\na1 OK done\r\n"));

        Assert.Equal([["IMAP4rev1", "STARTTLS"], ["ID", "IMAP4rev1", "STARTTLS"]], states.Select(s => s.Capabilities));
    }
}
