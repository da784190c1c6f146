using ImapProxy.Protocol.Decoding;
using ImapProxy.Protocol.Rawlog;
using ImapProxy.Protocol.Responses;

namespace ImapProxy.Protocol.Tests;

/// <summary>Sessions recorded from a real Dovecot, by Dovecot itself (rawlog) and by ImapProxy (see Fixtures/recorded/README.md).</summary>
public class RecordedSessionTests
{
    public static TheoryData<string> Recordings() => new("dovecot-rawlog", "dovecot-rawlog-compress", "imapproxy-capture", "imapproxy-capture-compress");

    /// <summary>The pair replayed the way <c>imapproxy parse --rawlog</c> does; the order of lines becomes steps.</summary>
    private static (IReadOnlyList<Step> Steps, ImapParserOptions Options) Load(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "recorded");
        var clientLines = RawlogFile.Read(File.ReadAllBytes(Path.Combine(folder, name + ".in")));
        var serverLines = RawlogFile.Read(File.ReadAllBytes(Path.Combine(folder, name + ".out")));
        var options = RawlogReplay.OptionsFor(serverLines);
        var steps = new List<Step>();
        using var decoder = new SessionDecoder(new ParsedSession(), options, CompressedInput.Detect);
        RawlogReplay.Replay(decoder, clientLines, serverLines, (direction, line) => steps.Add(new Step(direction, line.Bytes)));
        return (steps, options);
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Recording_ParsesWithoutDiagnostics_EveryCommandCompleted(string name)
    {
        var (steps, options) = Load(name);
        var session = ParsedSession.Run(steps, options: options, compressedInput: CompressedInput.Detect);

        Assert.Empty(session.Frames.SelectMany(f => f.Diagnostics ?? []));
        var commands = session.Frames.OfType<CommandFrame>().ToList();
        var completed = session.Frames.OfType<ResponseFrame>().Where(r => r.Completes is not null).Select(r => r.Completes!.Tag).ToHashSet();
        Assert.True(commands.Count >= 15, $"{commands.Count} commands");
        Assert.All(commands, c => Assert.Contains(c.Tag, completed));
        var fetch = session.Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<FetchData>().First(f => f.BodyStructure is not null);
        Assert.Equal("MIXED", fetch.BodyStructure!.Subtype);
        Assert.Contains(session.Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<FetchData>(), f => f.Envelope?.Subject == "Recorded with attachment");
        Assert.Equal(ProtocolState.Logout, session.Frames.OfType<StateChangeFrame>().Last().State);
        Assert.Equal(name.EndsWith("compress", StringComparison.Ordinal), session.Frames.OfType<StateChangeFrame>().Last().Compressed);
        // In conversation order, compressed part included: each command, then its completion, then the next command.
        var turns = session.Frames.Select(f => f is CommandFrame c ? c.Tag : f is ResponseFrame { Completes: { } done } ? done.Tag : null).OfType<string>();
        Assert.Equal(commands.SelectMany(c => new[] { c.Tag, c.Tag }), turns);
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Recording_IsChunkInvariant(string name)
    {
        var (steps, options) = Load(name);
        var reference = ParsedSession.Run(steps, options: options, compressedInput: CompressedInput.Detect);
        var random = new Random(7);

        // Every split offset in the first 2,000 bytes of each step, then random chunkings of the whole.
        for (var split = 1; split < 2000; split += 1)
        {
            var cut = split;
            var session = ParsedSession.Run(steps, length => cut < length ? [cut, length - cut] : [length], options, CompressedInput.Detect);
            Assert.True(reference.Json == session.Json, $"{name}: split at {split} differs");
        }
        for (var round = 0; round < 50; round++)
        {
            var session = ParsedSession.Run(steps, length => RandomChunks(random, length), options, CompressedInput.Detect);
            Assert.True(reference.Json == session.Json, $"{name}: random round {round} differs");
            Assert.Equal(reference.ClientBytes, session.ClientBytes);
            Assert.Equal(reference.ServerBytes, session.ServerBytes);
        }
    }

    private static IReadOnlyList<RawlogLine> Lines(string text) => RawlogFile.Read(System.Text.Encoding.ASCII.GetBytes(text));

    /// <summary>Dovecot's iostream-rawlog timestamps: "seconds.microseconds " before every line, when the first line has one.</summary>
    [Fact]
    public void RawlogFile_StripsTimestamps_WhenTheFirstLineHasOne()
    {
        var timed = Lines("1795644893.181236 a1 NOOP\r\n1.000001 a2 LOGOUT\r\nno stamp\r\n7.000000 ");

        Assert.Equal([1795644893.181236m, 1.000001m, null, 7m], timed.Select(l => l.Timestamp));
        Assert.Equal(["a1 NOOP\r\n", "a2 LOGOUT\r\n", "no stamp\r\n", ""], timed.Select(l => System.Text.Encoding.ASCII.GetString(l.Bytes)));
    }

    [Theory]
    [InlineData("a1 NOOP\r\n1.000000 x\r\n")] // the first line decides: a later line that looks stamped is kept whole
    [InlineData("1.12345 x\r\n")] // five digits after the point
    [InlineData("1.1234567 x\r\n")] // seven
    [InlineData("1.12x456 x\r\n")]
    [InlineData("1.12345x x\r\n")]
    [InlineData("1795644893.12x456 x\r\n")]
    [InlineData("1795644893 x\r\n")]
    [InlineData(".123456 x\r\n")]
    [InlineData("1.12345")] // the file ends inside what could have been a stamp
    [InlineData("1.123456")]
    [InlineData("12345")]
    public void RawlogFile_LinesWithoutAWholeStamp_AreKeptWhole(string text)
    {
        var lines = Lines(text);

        Assert.All(lines, l => Assert.Null(l.Timestamp));
        Assert.Equal(text, string.Concat(lines.Select(l => System.Text.Encoding.ASCII.GetString(l.Bytes))));
    }

    [Fact]
    public void RawlogReplay_Options_KeepTheCallersSettings_AndAnEmptyServerFileStartsBeforeLogin()
    {
        var options = RawlogReplay.OptionsFor(Lines("a1 OK logged in\r\n"), ImapParserOptions.Default with { MaxLineLength = 100 });
        Assert.Equal((100, true), (options.MaxLineLength, options.StartsAuthenticated));

        Assert.False(RawlogReplay.OptionsFor([]).StartsAuthenticated);
        Assert.False(RawlogReplay.OptionsFor(Lines("* OK ready\r\n")).StartsAuthenticated);
    }

    private static ParsedSession Replay(string client, string server)
    {
        var session = new ParsedSession();
        var serverLines = Lines(server);
        using var decoder = new SessionDecoder(session, RawlogReplay.OptionsFor(serverLines), CompressedInput.Detect);
        RawlogReplay.Replay(decoder, Lines(client), serverLines);
        return session;
    }

    private static List<string> Order(ParsedSession session) => session.Frames
        .Select(f => f switch
        {
            CommandFrame c => c.Tag,
            ClientLineFrame l => l.Text,
            ResponseFrame r => r.Tag is { } tag ? $"{tag} {r.Status}" : r.Name ?? r.ResponseKind.ToString(),
            MalformedFrame m => m.Diagnostics![0].Rule,
            _ => null,
        })
        .OfType<string>().ToList();

    [Fact]
    public void RawlogReplay_Timestamps_OrderAPipeliningClient()
    {
        var session = Replay("1.100000 a1 NOOP\r\n1.200000 a2 NOOP\r\n", "1.000000 * PREAUTH ready\r\n1.300000 a1 OK\r\n1.400000 a2 OK\r\n");

        Assert.Equal(["Greeting", "a1", "a2", "a1 Ok", "a2 Ok"], Order(session));
    }

    [Fact]
    public void RawlogReplay_WithoutTimestamps_TheClientGoesWhenNothingIsInProgress_AndIdleUpdatesComeBeforeDone()
    {
        var session = Replay("a1 NOOP\r\na2 IDLE\r\nDONE\r\n", "* PREAUTH ready\r\na1 OK\r\n* 1 EXISTS\r\n+ idling\r\n* 2 EXISTS\r\na2 OK\r\n");

        Assert.Equal(["Greeting", "a1", "a1 Ok", "a2", "EXISTS", "Continuation", "EXISTS", "DONE", "a2 Ok"], Order(session));
    }

    [Fact]
    public void RawlogReplay_ClientLinesStampedBeforeTheAnswerToStartTls_AreNotReadAsCommands()
    {
        // RFC 3501 §6.2.1: nothing the client sends before the OK belongs to the session; the rawlog shows it, unread.
        var session = Replay("1.000000 a1 STARTTLS\r\n2.000000 a2 CAPABILITY\r\n",
            "0.500000 * OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n3.000000 a1 OK begin TLS\r\n");

        Assert.Equal(["Greeting", "a1", "not-plaintext", "a1 Ok"], Order(session));
        Assert.Equal(13L, session.Frames.OfType<MalformedFrame>().Single().Offset); // after "a1 STARTTLS\r\n"
    }

    [Fact]
    public void RawlogReplay_FilesEndingInsideALine_ShowTheLineAsTruncated()
    {
        var session = Replay("a1 NOOP\r\na2 NOO", "* PREAUTH ready\r\na1 OK\r\n* 3 EXIS");

        var cut = session.Frames.OfType<MalformedFrame>().OrderBy(m => m.Offset).ToList();
        Assert.Equal([(Direction.Client, 9L), (Direction.Server, 24L)], cut.Select(m => (m.Direction, m.Offset)));
        Assert.All(session.Frames.OfType<MalformedFrame>(), m => Assert.Equal("truncated", m.Diagnostics![0].Rule));
    }

    [Fact]
    public void RawlogReplay_WithoutTimestamps_TheClientWaitsForTheAnswerToStartTls()
    {
        // RFC 3501 §6.2.1: the client sends nothing after STARTTLS until the server's answer; the replay follows that.
        var session = Replay("a1 STARTTLS\r\na2 CAPABILITY\r\n",
            "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\na1 OK begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na2 OK\r\n");

        Assert.Equal(["Greeting", "a1", "a1 Ok", "a2", "CAPABILITY", "a2 Ok"], Order(session));
    }

    private static readonly byte[] Flush = [0x00, 0x00, 0xFF, 0xFF]; // zlib's sync flush, an empty stored block (RFC 1951 §3.2.4)

    /// <summary>Dovecot cuts its rawlog at 0x0A, also inside DEFLATE data; the replay cuts that part after each sync flush
    /// instead. A piece is stamped with the first file line that starts inside it.</summary>
    [Fact]
    public void CompressedLines_AreCutAfterEachSyncFlush()
    {
        RawlogLine[] file =
        [
            new(1m, [0xAA, 0x0A]),
            new(2m, [0xBB, .. Flush, 0xCC, 0x0A]),
            new(3m, [.. Flush]), // a file line that starts with a flush
            new(4m, [0xDD]),
        ];

        var cut = CompressedLines.CutAtFlushes(file);

        Assert.Equal([1m, 3m, 4m], cut.Select(l => l.Timestamp));
        Assert.Equal([[0xAA, 0x0A, 0xBB, .. Flush], [0xCC, 0x0A, .. Flush], new byte[] { 0xDD }], cut.Select(l => l.Bytes));
    }

    [Fact]
    public void CompressedLines_EndingInAFlush_LeaveNoEmptyPiece_AndTextWithoutFlushesIsKept()
    {
        Assert.Single(CompressedLines.CutAtFlushes([new RawlogLine(1m, [0xAA, .. Flush])]));

        RawlogLine[] text = [new(1m, "a1 NOOP\r\n"u8.ToArray())];
        Assert.Same(text, CompressedLines.CutAtFlushes(text));
    }

    private static IEnumerable<int> RandomChunks(Random random, int length)
    {
        while (length > 0)
        {
            var n = Math.Min(length, random.Next(1, 300));
            yield return n;
            length -= n;
        }
    }
}
