using ImapProxy.Protocol.Decoding;

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
        Assert.Equal(("bare-lf", 33L, "line ends with LF instead of CRLF"), (bareLf.Rule, bareLf.Offset, bareLf.Message));
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
        // How far the literal got: it started at 19 and announced 5 bytes.
        Assert.Equal((19L, 5L), (Assert.Single(cut.Literals!).Offset, cut.Literals![0].Length));
        Assert.Equal("a1 APPEND box {5}\r\nhel", session.ClientText);
    }

    /// <summary>An empty literal is whole when its header's line ends (RFC 3501 §4.3): a stream cut right there keeps it,
    /// with its body, which is empty (a body small enough to keep is kept).</summary>
    [Fact]
    public void AStreamCutRightAfterAnEmptyLiteral_KeepsItsEmptyBody()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 SELECT {0}\r\n")));

        var cut = Assert.IsType<MalformedFrame>(session.Frames.Single(f => f.Direction == Direction.Client));
        Assert.Equal((0L, 15L, "truncated"), (cut.Offset, cut.Length, Assert.Single(cut.Diagnostics!).Rule));
        var content = Assert.Single(cut.Literals!).Content;
        Assert.NotNull(content);
        Assert.Empty(content);
    }

    private const string StartTlsGreeting = "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n";

    private static List<string> Rules(ParsedSession session, Direction direction) =>
        session.Frames.Where(f => f.Direction == direction).SelectMany(f => f.Diagnostics ?? []).Select(d => d.Rule).ToList();

    /// <summary>RFC 3501 §6.2.1: what the client sent after STARTTLS, before the TLS handshake, is not part of the TLS
    /// session (the plaintext command injection the RFC warns of); it is shown unparsed, flagged, its secrets starred,
    /// also when its last line is unfinished.</summary>
    [Theory]
    [InlineData("a3 LOGIN bob hunter2\r\n")]
    [InlineData("a3 LOGIN bob hunter2")]
    public void BytesSentAfterStartTls_WhileTheClientWaitedForALiteralsContinuation_AreFlaggedAsInjection(string injected)
    {
        var session = ParsedSession.Run(Transcript.Of(("S", StartTlsGreeting),
            ("C", "a1 LOGIN {5}\r\nalice pw\r\na2 STARTTLS\r\n" + injected),
            ("S", "+ go on\r\n"), ("S", "a1 NO [PRIVACYREQUIRED] not before TLS\r\n"), ("S", "a2 OK begin TLS\r\n")));

        Assert.Equal(["a1", "a2"], session.Frames.OfType<CommandFrame>().Select(c => c.Tag));
        var unread = session.Frames.OfType<MalformedFrame>().Single();
        Assert.Equal((Direction.Client, 37L, (long)injected.Length), (unread.Direction, unread.Offset, unread.Length));
        var diagnostic = Assert.Single(unread.Diagnostics!);
        Assert.Equal(("starttls-injection", Diagnostics.Severity.Error, 37L), (diagnostic.Rule, diagnostic.Severity, diagnostic.Offset));
        Assert.EndsWith($": {injected.Length} bytes", diagnostic.Message);
        Assert.DoesNotContain("hunter2", session.ClientText);
        Assert.StartsWith("a3 LOGIN bob ", session.ClientText[37..]);
        // The switch comes after the flagged bytes.
        Assert.Equal(37L + injected.Length, session.Frames.OfType<TransportChangeFrame>().Single(t => t.Direction == Direction.Client).Offset);
    }

    /// <summary>A client that sends a literal without waiting for "+" (RFC 3501 §7.5), more than the parser holds for the
    /// answer: it is read as the client meant it (as LITERAL+ would, RFC 7888), and the header's line end is flagged.</summary>
    [Fact]
    public void ALiteralSentWithoutWaiting_PastTheHoldLimit_IsReadAsSent_AndFlagged()
    {
        var options = ImapParserOptions.Default with { MaxHeldClientBytes = 16 };
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"),
            ("C", "a1 APPEND box {20}\r\n0123456789abcdefghij\r\na2 NOOP\r\n"), ("S", "+ go\r\na1 OK done\r\na2 OK done\r\n")), options: options);

        Assert.Equal([("a1", 0L, 42L), ("a2", 42L, 9L)], ClientFrames(session));
        var a1 = session.Frames.OfType<CommandFrame>().Single(c => c.Tag == "a1");
        Assert.Equal((20L, 20L), (a1.Literals![0].Offset, a1.Literals[0].Length));
        var late = Assert.Single(a1.Diagnostics!);
        Assert.Equal(("client-did-not-wait", 19L), (late.Rule, late.Offset));
        Assert.Equal(["a1", "a2"], session.Frames.OfType<ResponseFrame>().Where(r => r.Completes is not null).Select(r => r.Completes!.Tag));
    }

    /// <summary>Bytes after STARTTLS wait for its answer; more of them than the hold takes are passed on unparsed, not read.</summary>
    [Fact]
    public void BytesAfterStartTls_PastTheHoldLimit_AreNotRead()
    {
        var options = ImapParserOptions.Default with { MaxHeldClientBytes = 16 };
        var session = ParsedSession.Run(Transcript.Of(("S", StartTlsGreeting),
            ("C", "a1 LOGIN {5}\r\nalice pw\r\na2 STARTTLS\r\na3 LOGIN bob hunter2\r\n"),
            ("S", "+ go on\r\na1 NO not before TLS\r\na2 OK begin TLS\r\n")), options: options);

        Assert.Equal(["a1", "a2"], session.Frames.OfType<CommandFrame>().Select(c => c.Tag));
        var unread = session.Frames.OfType<MalformedFrame>().Single();
        Assert.Equal((Direction.Client, 37L, 22L, "client-did-not-wait"), (unread.Direction, unread.Offset, unread.Length, unread.Diagnostics![0].Rule));
        Assert.DoesNotContain("hunter2", session.ClientText);
    }

    /// <summary>Held bytes are read as soon as the server's "+" lets them go on, before what the server says next.</summary>
    [Fact]
    public void ALiteralSentBeforeTheContinuation_IsReadWhenTheContinuationComes()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 APPEND box {5}\r\nhello\r\n"),
            ("S", "+ go\r\na1 OK done\r\n")));

        var order = session.Frames.Where(f => f is CommandFrame or ResponseFrame { ResponseKind: not ResponseKind.Greeting })
            .Select(f => f is CommandFrame c ? c.Tag : ((ResponseFrame)f).ResponseKind.ToString()).ToList();
        Assert.Equal(["Continuation", "a1", "Tagged"], order);
        Assert.Empty(Rules(session, Direction.Server));
    }

    /// <summary>The same with a body of a kilobyte, sent in the same read as its header: all of it is held, then read.</summary>
    [Fact]
    public void AKilobyteLiteralSentBeforeTheContinuation_IsReadWhenTheContinuationComes()
    {
        var body = new string('x', 1000);
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 APPEND box {1000}\r\n" + body + "\r\n"),
            ("S", "+ go\r\na1 OK done\r\n")));

        Assert.Equal([("a1", 0L, 1024L)], ClientFrames(session));
        Assert.Equal(1000L, Assert.Single(session.Frames.OfType<CommandFrame>().Single().Literals!).Length);
        Assert.Equal("a1 APPEND box {1000}\r\n" + body + "\r\n", session.ClientText);
    }

    [Fact]
    public void AContinuationNothingAskedFor_IsFlagged_AndDoesNotReleaseBytesWaitingForStartTls()
    {
        // RFC 3501 §7.5: "+" answers a literal or AUTHENTICATE (and IDLE, RFC 2177); after STARTTLS the client waits
        // for the tagged answer (§6.2.1), so a stray "+" neither starts TLS nor lets its next bytes be read.
        var session = ParsedSession.Run(Transcript.Of(("S", StartTlsGreeting), ("C", "a1 STARTTLS\r\n"), ("S", "+ what\r\n"),
            ("C", "a2 NOOP\r\n")));

        var plus = session.Frames.OfType<ResponseFrame>().Single(r => r.ResponseKind == ResponseKind.Continuation);
        Assert.Equal(("unexpected-continuation", 44L), (plus.Diagnostics![0].Rule, plus.Diagnostics[0].Offset));
        Assert.Equal(["a1"], session.Frames.OfType<CommandFrame>().Select(c => c.Tag));
    }

    /// <summary>RFC 2177 §3: IDLE starts with the server's "+", and only then; a literal's "+" is not IDLE.</summary>
    [Fact]
    public void Idle_StartsAtTheServersContinuation_ALiteralsContinuationIsNotIdle()
    {
        var idle = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 IDLE\r\n"), ("S", "+ idling\r\n"),
            ("S", "* 4 EXISTS\r\n"), ("C", "DONE\r\n"), ("S", "a1 OK done\r\n")));
        var states = idle.Frames.OfType<StateChangeFrame>().Skip(1).ToList(); // the first is the greeting's
        // On the server's side right after "+ idling\r\n" (17 + 10 bytes), back off after DONE on the client's.
        Assert.Equal([(Direction.Server, 27L, true), (Direction.Client, 15L, false)], states.Select(s => (s.Direction, s.Offset, s.Idle)));
        var done = idle.Frames.OfType<ClientLineFrame>().Single();
        Assert.Equal((ClientLineKind.IdleDone, "a1", "DONE"), (done.LineKind, done.Tag, done.Text));

        var literal = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 APPEND box {5}\r\n"), ("S", "+ go\r\n"),
            ("C", "hello\r\n"), ("S", "a1 OK done\r\n")));
        Assert.DoesNotContain(literal.Frames.OfType<StateChangeFrame>(), s => s.Idle);
    }

    /// <summary>Without the server's side (FedDirections.ClientOnly) IDLE and AUTHENTICATE are read as if each "+" came.</summary>
    [Fact]
    public void ClientOnly_IdleAndAuthenticate_AreReadAsIfEachContinuationCame()
    {
        var session = new ParsedSession();
        using var decoder = new SessionDecoder(session, ImapParserOptions.Default with { Directions = FedDirections.ClientOnly });
        decoder.Feed(Direction.Client, "a1 IDLE\r\nDONE\r\na2 AUTHENTICATE PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\na3 SELECT INBOX\r\n"u8);

        // Read as they come (a live capture of one side), not held until the stream ends.
        Assert.Equal(["a1 IDLE", "a2 AUTHENTICATE", "a3 SELECT"], session.Frames.OfType<CommandFrame>().Select(c => $"{c.Tag} {c.Name}"));
        var lines = session.Frames.OfType<ClientLineFrame>().ToList();
        Assert.Equal([(ClientLineKind.IdleDone, "a1", "DONE"), (ClientLineKind.AuthenticateResponse, "a2", Redaction.Marker)],
            lines.Select(l => (l.LineKind, l.Tag, l.Text)));
        Assert.Equal("alice", lines[1].User);
        Assert.Equal([true, false], session.Frames.OfType<StateChangeFrame>().Select(s => s.Idle).Distinct());
        Assert.DoesNotContain("AGFsaWNlAHNlY3JldA==", session.ClientText);
    }

    /// <summary>Client-only, AUTHENTICATE assumes its continuation as IDLE does, but it is not IDLE (RFC 2177): no state says so.</summary>
    [Fact]
    public void ClientOnly_Authenticate_DoesNotEnterIdle()
    {
        var session = new ParsedSession();
        using var decoder = new SessionDecoder(session, ImapParserOptions.Default with { Directions = FedDirections.ClientOnly });
        decoder.Feed(Direction.Client, "a1 AUTHENTICATE PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\na2 SELECT INBOX\r\n"u8);

        Assert.Equal(["a1 AUTHENTICATE", "a2 SELECT"], session.Frames.OfType<CommandFrame>().Select(c => $"{c.Tag} {c.Name}"));
        Assert.DoesNotContain(session.Frames.OfType<StateChangeFrame>(), s => s.Idle);
    }

    /// <summary>RFC 3501 §6.2.2: each "+" is answered by one line, however many the mechanism needs. SCRAM-SHA-1 (RFC 5802
    /// §5, its example) takes three: client-first, client-final, and an empty line after the server-final "v=".</summary>
    [Fact]
    public void AThreeStepSaslExchange_HasNoUnexpectedContinuation()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* OK [CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-1] ready\r\n"),
            ("C", "a1 AUTHENTICATE SCRAM-SHA-1\r\n"), ("S", "+ \r\n"),
            ("C", "biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM\r\n"),
            ("S", "+ cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wzcmZjTkhZSlkxWlZ2V1ZzN2oscz1RU1hDUitRNnNlazhiZjkyLGk9NDA5Ng==\r\n"),
            ("C", "Yz1iaXdzLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdMM3JmY05IWUpZMVpWdldWczdqLHA9djBYOHYzQnoyVDBDSkdiSlF5RjBYK0hJNFRzPQ==\r\n"),
            ("S", "+ dj1ybUY5cHFWOFM3c3VBb1pXamE0ZEpSa0ZzS1E9\r\n"), ("C", "\r\n"), ("S", "a1 OK done\r\n")));

        Assert.Equal(3, session.Frames.OfType<ClientLineFrame>().Count(l => l.LineKind == ClientLineKind.AuthenticateResponse));
        Assert.DoesNotContain(session.Frames.SelectMany(f => f.Diagnostics ?? []), d => d.Rule == "unexpected-continuation");
    }

    /// <summary>After a literal, a segment of digits and a closing brace ("12}") has no "{": it is no header, and the
    /// command ends at its line end.</summary>
    [Fact]
    public void DigitsAndABrace_AfterALiteral_AreNoHeader()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 APPEND box {5}\r\n"), ("S", "+ go\r\n"),
            ("C", "hello12}\r\na2 NOOP\r\n"), ("S", "a1 BAD no\r\na2 OK\r\n")));

        Assert.Equal([("a1", 0L, 29L), ("a2", 29L, 9L)], ClientFrames(session));
    }

    [Fact]
    public void ARefusedLiteral_AfterAnotherCommand_EndsItsCommandAtItsHeader()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a0 NOOP\r\n"), ("S", "a0 OK\r\n"),
            ("C", "a1 APPEND box {5}\r\n"), ("S", "a1 NO [TOOBIG] no\r\n"), ("C", "a2 NOOP\r\n"), ("S", "a2 OK\r\n")));

        Assert.Equal([("a0", 0L, 9L), ("a1", 9L, 19L), ("a2", 28L, 9L)], ClientFrames(session));
    }

    /// <summary>RFC 7888: {n+} needs LITERAL+ (or LITERAL-, then at most 4096 bytes, §5); the header's line end is flagged.</summary>
    [Theory]
    [InlineData("IMAP4rev1", 2, "literal-plus-not-announced", "neither LITERAL+ nor LITERAL-")]
    [InlineData("IMAP4rev1 LITERAL-", 5000, "literal-minus-too-large", ": 5000 bytes")]
    public void NonSynchronizingLiterals_TheServerDidNotAllow_AreFlagged(string capabilities, int size, string rule, string messageEnd)
    {
        var header = $"a1 APPEND box {{{size}+}}\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", $"* PREAUTH [CAPABILITY {capabilities}] ready\r\n"),
            ("C", header + new string('x', size) + "\r\n"), ("S", "a1 OK\r\n")));

        var diagnostic = Assert.Single(session.Frames.OfType<CommandFrame>().Single().Diagnostics!);
        Assert.Equal((rule, header.Length - 1L), (diagnostic.Rule, diagnostic.Offset));
        Assert.EndsWith(messageEnd, diagnostic.Message);
    }

    /// <summary>A tagged response decides the client's wait only when it answers the command that waits (RFC 3501 §7.5):
    /// an earlier pipelined command's completion does not refuse a literal.</summary>
    [Fact]
    public void ACompletionOfAnotherCommand_WhileTheClientWaitsForALiteral_DecidesNothing()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a0 NOOP\r\na1 APPEND box {5}\r\n"),
            ("S", "a0 OK\r\n+ go\r\n"), ("C", "hello\r\n"), ("S", "a1 OK\r\n")));

        Assert.Equal([("a0", 0L, 9L), ("a1", 9L, 26L)], ClientFrames(session));
        Assert.Empty(Rules(session, Direction.Client));
        Assert.Empty(Rules(session, Direction.Server));
    }

    [Fact]
    public void AFrameAfterOneWithALiteralASecretAndABareLf_HasNoneOfThem()
    {
        // Each direction fills one frame content frame after frame: what the first frame held must stay its own.
        var session = ParsedSession.Run(Transcript.Of(("S", "* OK ready\r\n"), ("C", "a1 LOGIN bob {6}\r\n"), ("S", "+ go\r\n"),
            ("C", "secret\na2 NOOP\r\n"), ("S", "a1 OK done\na2 OK\r\n")));

        var commands = session.Frames.OfType<CommandFrame>().ToDictionary(c => c.Tag);
        Assert.Equal((1, 1, "bare-lf"), (commands["a1"].Literals!.Count, commands["a1"].Redactions!.Count, Assert.Single(commands["a1"].Diagnostics!).Rule));
        Assert.Equal((null, null, null), (commands["a2"].Literals, commands["a2"].Redactions, commands["a2"].Diagnostics));
        var answers = session.Frames.OfType<ResponseFrame>().Where(r => r.Tag is not null).ToDictionary(r => r.Tag!);
        Assert.Equal("bare-lf", Assert.Single(answers["a1"].Diagnostics!).Rule);
        Assert.Null(answers["a2"].Diagnostics);
    }

    [Fact]
    public void AnEmptyLine_IsNotABareLf()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "\r\na1 NOOP\r\n"), ("S", "a1 OK\r\n")));

        Assert.DoesNotContain("bare-lf", Rules(session, Direction.Client));
        Assert.Equal([("malformed", 0L, 2L), ("a1", 2L, 9L)], ClientFrames(session));
    }

    [Fact]
    public void ALiteralLengthPastWhatANumberHolds_IsFlaggedAtItsHeader()
    {
        // RFC 3501 §4.3 / RFC 9051: number64 is at most 2^63-1; "}" of the header is at 35.
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 APPEND box {99999999999999999999}\r\n"), ("S", "a1 BAD\r\n")));

        var overflow = session.Frames.SelectMany(f => f.Diagnostics ?? []).Single(d => d.Rule == "literal-length-overflow");
        Assert.Equal(35L, overflow.Offset);
    }

    /// <summary>The parser knows no secrets the server sends: server bytes the caller reports unparsed are shown as they are.</summary>
    [Fact]
    public void ServerBytesReportedUnparsed_AreShownAsSent()
    {
        var session = new ParsedSession();
        using var decoder = new SessionDecoder(session);
        decoder.Feed(Direction.Server, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"u8);
        decoder.Feed(Direction.Client, "a1 STARTTLS\r\n"u8);
        byte[] answer = [.. "a1 OK begin TLS\r\n"u8, .. "a2 LOGIN bob hunter2\r\n"u8];
        var taken = decoder.Feed(Direction.Server, answer);
        decoder.Parser.ReportUnparsed(Direction.Server, answer.AsSpan(taken));

        Assert.Equal(17, taken);
        Assert.EndsWith("a2 LOGIN bob hunter2\r\n", session.ServerText);
        Assert.Equal("starttls-injection", session.Frames.OfType<MalformedFrame>().Single().Diagnostics![0].Rule);
    }

    /// <summary>The session ends before any answer: held bytes are read as the client meant them, up to a STARTTLS,
    /// whose answer cannot be assumed; what follows it is shown unread, as cut off.</summary>
    [Fact]
    public void HeldBytesPastAStartTls_WhenTheSessionEnds_AreShownUnread()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", StartTlsGreeting), ("C", "a1 APPEND box {5}\r\nhello\r\na2 STARTTLS\r\na3 NOOP\r\n")));

        Assert.Equal(["a1", "a2"], session.Frames.OfType<CommandFrame>().Select(c => c.Tag));
        var unread = session.Frames.OfType<MalformedFrame>().Single();
        Assert.Equal((39L, 9L, "truncated"), (unread.Offset, unread.Length, unread.Diagnostics![0].Rule));
        Assert.EndsWith("a3 NOOP\r\n", session.ClientText);
    }

    /// <summary>MaxHeldClientBytes bounds what is held for an answer: up to it the client's bytes wait, past it they are
    /// read as sent and flagged.</summary>
    [Theory]
    [InlineData(14, false)] // 14 bytes and CRLF: 16 held, the limit
    [InlineData(15, true)]
    public void TheHoldLimit_IsInclusive(int size, bool flagged)
    {
        var options = ImapParserOptions.Default with { MaxHeldClientBytes = 16 };
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"),
            ("C", $"a1 APPEND box {{{size}}}\r\n{new string('x', size)}\r\n"), ("S", "+ go\r\n"), ("S", "a1 OK\r\n")), options: options);

        Assert.Equal(flagged, Rules(session, Direction.Client).Contains("client-did-not-wait"));
    }

    /// <summary>RFC 3501 §6.2.1: after a refused STARTTLS the session goes on in plaintext, and what the client sent
    /// meanwhile is read as commands.</summary>
    [Fact]
    public void BytesSentAfterARefusedStartTls_AreReadAsCommands()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", StartTlsGreeting),
            ("C", "a1 LOGIN {5}\r\nalice pw\r\na2 STARTTLS\r\na3 LOGIN bob hunter2\r\n"),
            ("S", "+ go on\r\na1 NO not before TLS\r\na2 NO [UNAVAILABLE] no TLS today\r\na3 NO bad\r\n")));

        Assert.Equal(["a1", "a2", "a3"], session.Frames.OfType<CommandFrame>().Select(c => c.Tag));
        Assert.DoesNotContain(session.Frames, f => f is MalformedFrame);
        Assert.DoesNotContain("hunter2", session.ClientText);
    }

    [Fact]
    public void ARefusedLiteral_WhoseHeaderEndsInABareLf_EndsItsCommandAtTheHeader()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 APPEND box {5}\n"), ("S", "a1 NO [TOOBIG] no\r\n")));

        var a1 = session.Frames.OfType<CommandFrame>().Single();
        Assert.Equal((0L, 18L), (a1.Offset, a1.Length));
        Assert.Equal(["box", "{5}"], a1.Arguments!.Select(a => a.AsText()));
    }
}
