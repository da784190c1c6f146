namespace ImapProxy.Protocol.Tests;

/// <summary>Where each frame starts and ends in its direction's stream (what the timeline and the raw view show),
/// through literals, refused literals, bare LF line ends and a stream cut short.</summary>
public class ConversationShapeTests
{
    private static List<(string Kind, long Offset, long Length)> ClientFrames(ParsedSession session) =>
        session.Frames.Where(f => f.Direction == Direction.Client && f.Length > 0)
            .Select(f => (f switch { CommandFrame c => c.Tag, MalformedFrame => "malformed", _ => f.GetType().Name }, f.Offset, f.Length)).ToList();

    [Fact]
    public void ALiteralAndABareLfLine_EachFrameCoversItsBytes()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 APPEND box {5}\r\n"), ("S", "+ go\r\n"),
            ("C", "hello\r\na2 NOOP\n"), ("S", "a1 OK done\r\na2 OK\r\n")));

        // a1 is "a1 APPEND box {5}\r\n" (19 bytes), the literal (5) and its CRLF; a2 is "a2 NOOP\n".
        Assert.Equal([("a1", 0L, 26L), ("a2", 26L, 8L)], ClientFrames(session));
        var literal = Assert.Single(session.Frames.OfType<CommandFrame>().Single(c => c.Tag == "a1").Literals!);
        Assert.Equal((19L, 5L), (literal.Offset, literal.Length));
        var bareLf = Assert.Single(session.Frames.OfType<CommandFrame>().Single(c => c.Tag == "a2").Diagnostics!);
        Assert.Equal(("bare-lf", 33L), (bareLf.Rule, bareLf.Offset));
        Assert.Equal("NOOP", session.Frames.OfType<CommandFrame>().Single(c => c.Tag == "a2").Name);
    }

    [Fact]
    public void ALiteralTheServerRefused_EndsTheCommandAtItsHeader_AndWhatFollowsIsReadAsANewLine()
    {
        // The client sent the literal without waiting; the server refused it (RFC 3501 §7.5), so it reads "hello" as
        // a command line of its own, and so does the parser.
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 APPEND box {5}\r\nhello\r\n"),
            ("S", "a1 NO [TOOBIG] no\r\n"), ("C", "a2 NOOP\r\n"), ("S", "a2 OK\r\n")));

        Assert.Equal([("a1", 0L, 19L), ("malformed", 19L, 7L), ("a2", 26L, 9L)], ClientFrames(session));
        Assert.Equal("malformed syntax: not a command (expected: tag SP command)",
            Assert.Single(session.Frames.OfType<MalformedFrame>().Single().Diagnostics!).Message);
        Assert.Equal(["a1", "a2"], session.Frames.OfType<ResponseFrame>().Where(r => r.Completes is not null).Select(r => r.Completes!.Tag));
    }

    [Fact]
    public void AStreamCutInsideALiteral_IsOneTruncatedFrame_WithEveryByteKept()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 APPEND box {5}\r\nhel")));

        var cut = Assert.IsType<MalformedFrame>(session.Frames.Single(f => f.Direction == Direction.Client));
        Assert.Equal((0L, 22L, "truncated"), (cut.Offset, cut.Length, Assert.Single(cut.Diagnostics!).Rule));
        Assert.Equal("a1 APPEND box {5}\r\nhel", session.ClientText);
    }
}
