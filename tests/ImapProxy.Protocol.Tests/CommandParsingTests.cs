using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;

namespace ImapProxy.Protocol.Tests;

public class CommandParsingTests
{
    [Fact]
    public void Login_PasswordIsRedactedInFramesAndRawBytes()
    {
        var session = ParsedSession.FromClient("a1 LOGIN alice \"s3cret\"\r\n");

        var command = Assert.IsType<CommandFrame>(Assert.Single(session.Frames));
        Assert.Equal("LOGIN", command.Name);
        Assert.Equal("alice", Assert.IsType<LoginArgs>(command.Args).User);
        Assert.DoesNotContain("s3cret", session.ClientText);
        Assert.DoesNotContain("s3cret", session.Json);
        Assert.Equal("a1 LOGIN alice \"******\"\r\n", session.ClientText);
    }
}
