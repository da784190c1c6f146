using System.Text;
using ImapProxy.Replay.Wire;

namespace ImapProxy.Replay.Tests.Wire;

public class CommandSegmentsTests
{
    [Theory]
    [InlineData("a1 NOOP\r\n", new[] { "a1 NOOP\r\n" })]
    [InlineData("a1 LOGIN {5}\r\nalice {6}\r\nsecret\r\n", new[] { "a1 LOGIN {5}\r\n", "alice {6}\r\n", "secret\r\n" })]
    [InlineData("a1 APPEND x {5+}\r\nhello\r\n", new[] { "a1 APPEND x {5+}\r\nhello\r\n" })]
    // A literal's body is data: "{3}" inside it is no header.
    [InlineData("a1 APPEND x {9}\r\nab {3}\r\nc\r\n", new[] { "a1 APPEND x {9}\r\n", "ab {3}\r\nc\r\n" })]
    [InlineData("a1 APPEND x ~{4}\r\n\0\0\0\0\r\n", new[] { "a1 APPEND x ~{4}\r\n", "\0\0\0\0\r\n" })]
    public void Command_IsCutAfterEachSynchronizingLiteralHeader(string command, string[] segments)
    {
        Assert.Equal(segments, CommandSegments.Split(Encoding.UTF8.GetBytes(command)).Select(s => Encoding.UTF8.GetString(s)));
    }

    [Theory]
    [InlineData("a1 APPEND x {5+}\r\nhello\r\n", "a1 APPEND x {5}\r\nhello\r\n")]
    [InlineData("a1 APPEND x (\\Seen) {3+}\r\n{1+}\r\n CATENATE (TEXT ~{2+}\r\nab)\r\n", "a1 APPEND x (\\Seen) {3}\r\n{1+}\r\n CATENATE (TEXT ~{2}\r\nab)\r\n")]
    [InlineData("a1 NOOP\r\n", "a1 NOOP\r\n")]
    public void NonSynchronizingLiterals_BecomeSynchronizing_BodiesUntouched(string command, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(CommandSegments.Synchronizing(Encoding.UTF8.GetBytes(command))));
    }

    [Fact]
    public void LiteralLongerThanTheCommand_DoesNotOverrun()
    {
        Assert.Equal(["a1 X {999}\r\n", "abc"], CommandSegments.Split("a1 X {999}\r\nabc"u8).Select(s => Encoding.UTF8.GetString(s)));
    }
}
