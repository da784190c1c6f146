using System.Text;
using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol.Tests;

/// <summary>Never trust the wire: bad input yields malformed frames and the parser carries on.</summary>
public class RobustnessTests
{
    [Fact]
    public void Garbage_IsReportedWithOffset_AndTheNextCommandParses()
    {
        var session = ParsedSession.Run(Transcript.Of(
            ("S", "* OK ready\r\n"),
            ("C", "\x01\x02\xff garbage ((( \"unterminated\r\n)))\r\n\r\na1 NOOP\r\n")));

        var malformed = session.Frames.OfType<MalformedFrame>().ToList();
        Assert.NotEmpty(malformed);
        Assert.Equal(0, malformed[0].Offset);
        Assert.Equal("NOOP", session.Frames.OfType<CommandFrame>().Last().Name);
    }

    [Fact]
    public void ServerGarbage_DoesNotBreakCorrelation()
    {
        var session = ParsedSession.Run(Transcript.Of(
            ("S", "* OK ready\r\n"), ("C", "a1 NOOP\r\n"), ("S", "* 1 FETCH (((\r\n\x00\x00\r\na1 OK done\r\n")));

        var done = session.Frames.OfType<ResponseFrame>().Last();
        Assert.Equal("NOOP", done.Completes!.Name);
        Assert.Contains(session.Frames.SelectMany(f => f.Diagnostics ?? []), d => d.Rule == "syntax");
    }

    [Fact]
    public void LiteralOfMaximumLength_IsStreamedWithoutOverflow()
    {
        var header = $"* 1 FETCH (BODY[] {{{long.MaxValue}}}\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", header + new string('x', 1000))));

        var truncated = Assert.IsType<MalformedFrame>(session.Frames.Last());
        Assert.Equal(header.Length + 1000, truncated.Length);
        Assert.Equal(header.Length + 1000, session.ServerBytes.Length);
    }

    [Fact]
    public void LiteralLengthBeyond63Bits_IsFlagged_AndTheStreamResynchronises()
    {
        var session = ParsedSession.Run(Transcript.Of(
            ("S", "* OK ready\r\n"), ("C", "a1 NOOP\r\n"),
            ("S", "* 1 FETCH (BODY[] {99999999999999999999}\r\na1 OK done\r\n")));

        Assert.Contains(session.Frames.SelectMany(f => f.Diagnostics ?? []), d => d.Rule == Rules.LiteralLengthOverflow.Id);
        Assert.Equal("a1", session.Frames.OfType<ResponseFrame>().Last().Completes?.Tag);
    }

    [Fact]
    public void DeepNesting_IsBounded()
    {
        var deep = new string('(', 100_000) + new string(')', 100_000);
        var session = ParsedSession.Run(Transcript.Of(("S", "* OK ready\r\n"), ("C", "a1 NOOP\r\n"), ("S", $"* 1 FETCH {deep}\r\na1 OK done\r\n")));

        Assert.Contains(session.Frames.SelectMany(f => f.Diagnostics ?? []), d => d.Rule == Rules.NestingTooDeep.Id);
        Assert.Equal("a1", session.Frames.OfType<ResponseFrame>().Last().Completes?.Tag);
    }

    [Fact]
    public void LongSearchChains_AreBounded()
    {
        var nots = string.Concat(Enumerable.Repeat("NOT ", 200_000));
        var session = ParsedSession.FromClient($"a1 SEARCH {nots}SEEN\r\na2 NOOP\r\n");

        var search = session.Frames.OfType<CommandFrame>().First();
        Assert.Null(search.Args);
        Assert.Equal("NOOP", session.Frames.OfType<CommandFrame>().Last().Name);
    }

    [Fact]
    public void OverlongLine_IsSkippedToItsEnd()
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 1024 };
        var session = ParsedSession.FromClient($"a1 NOOP {new string('x', 5000)}\r\na2 NOOP\r\n", options);

        var malformed = Assert.IsType<MalformedFrame>(session.Frames[0]);
        Assert.Equal(Rules.LineTooLong.Id, Assert.Single(malformed.Diagnostics!).Rule);
        Assert.Equal(5000 + 10, malformed.Length);
        Assert.Equal("a2", Assert.IsType<CommandFrame>(session.Frames[1]).Tag);
    }

    [Fact]
    public void LargeLiteral_StreamsInChunks_WithoutGrowingMemory()
    {
        var sink = new CountingSink();
        var parser = new ImapSessionParser(sink);
        parser.Feed(Direction.Server, "* OK ready\r\n"u8);
        parser.Feed(Direction.Client, "a1 NOOP\r\n"u8);
        const long size = 64L * 1024 * 1024;
        parser.Feed(Direction.Server, Encoding.ASCII.GetBytes($"* 1 FETCH (BODY[] {{{size}}}\r\n"));
        var chunk = new byte[64 * 1024];

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (long sent = 0; sent < size; sent += chunk.Length) parser.Feed(Direction.Server, chunk);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        parser.Feed(Direction.Server, ")\r\na1 OK done\r\n"u8);
        Assert.Equal(size, sink.LiteralBytes);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes while streaming a {size}-byte literal");
        Assert.Equal("a1", sink.Frames.OfType<ResponseFrame>().Last().Completes?.Tag);
    }

    [Fact]
    public void MutatedAndRandomInputs_NeverThrow_AndKeepEveryByte()
    {
        var seeds = Transcript.FixtureNames().Select(Transcript.Load).ToList();
        var random = new Random(20261125);
        for (var round = 0; round < 100_000; round++)
        {
            var steps = Mutate(seeds[round % seeds.Count], random, round);
            var session = ParsedSession.Run(steps, length => RandomChunks.Of(random, length, 200));
            Assert.DoesNotContain(session.Frames, f => f is MalformedFrame m && m.Reason.StartsWith("internal", StringComparison.Ordinal));
            var clientIn = steps.Where(s => s.Direction == Direction.Client).Sum(s => s.Bytes.Length);
            var serverIn = steps.Where(s => s.Direction == Direction.Server).Sum(s => s.Bytes.Length);
            Assert.True(session.ServerBytes.Length == serverIn, $"round {round}: server bytes lost");
            // Client bytes after an unanswered STARTTLS/COMPRESS are left to the caller; all others come out.
            Assert.True(session.ClientBytes.Length <= clientIn, $"round {round}: client bytes invented");
        }
    }

    private static IReadOnlyList<Step> Mutate(IReadOnlyList<Step> steps, Random random, int round)
    {
        if (round % 10 == 0)
        {
            // Pure noise, with IMAP's special bytes over-represented.
            const string specials = "(){}[]\"\\*+~% \r\n0123456789AaNIL";
            var noise = new byte[random.Next(1, 300)];
            for (var i = 0; i < noise.Length; i++)
                noise[i] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)specials[random.Next(specials.Length)];
            return [new Step(random.Next(2) == 0 ? Direction.Client : Direction.Server, noise)];
        }
        var mutated = steps.Select(s => new Step(s.Direction, (byte[])s.Bytes.Clone())).ToList();
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits; e++)
        {
            var index = random.Next(mutated.Count);
            var bytes = mutated[index].Bytes.ToList();
            if (bytes.Count == 0) continue;
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 20))); break;
                case 2: bytes.InsertRange(at, Encoding.ASCII.GetBytes(random.Next(4) switch { 0 => "{5}\r\n", 1 => "{99999999}", 2 => "(", _ => "\"" })); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                default: bytes.Insert(at, (byte)"\r\n\"(){}"[random.Next(7)]); break;
            }
            mutated[index] = mutated[index] with { Bytes = bytes.ToArray() };
        }
        return mutated;
    }

    private sealed class CountingSink : IImapSink
    {
        public List<ImapFrame> Frames { get; } = [];
        public long LiteralBytes { get; private set; }
        public void OnFrame(ImapFrame frame) => Frames.Add(frame);
        public void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal)
        {
            if (literal is not null) LiteralBytes += bytes.Length;
        }
    }
}
