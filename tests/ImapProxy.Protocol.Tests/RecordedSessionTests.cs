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
