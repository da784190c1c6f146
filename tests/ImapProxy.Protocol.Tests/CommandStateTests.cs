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
}
