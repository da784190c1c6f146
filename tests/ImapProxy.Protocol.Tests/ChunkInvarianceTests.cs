namespace ImapProxy.Protocol.Tests;

/// <summary>Bytes arrive in arbitrary chunks: whatever the chunking, the frames and raw bytes are the same.</summary>
public class ChunkInvarianceTests
{
    public static TheoryData<string> Fixtures() => new(Transcript.FixtureNames());

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void EverySplitOffset_GivesTheSameFrames(string fixture)
    {
        var steps = Transcript.Load(fixture);
        var reference = ParsedSession.Run(steps);
        var total = steps.Sum(s => s.Bytes.Length);

        for (var split = 1; split < total; split++)
        {
            var remaining = split;
            var session = ParsedSession.Run(steps, length =>
            {
                // Cut the step that contains global offset `split` in two; other steps stay whole.
                var cut = remaining;
                remaining -= length;
                return cut > 0 && cut < length ? [cut, length - cut] : [length];
            });
            AssertSame(reference, session, $"{fixture} split at {split}");
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void OneByteAtATime_AndRandomChunks_GiveTheSameFrames(string fixture)
    {
        var steps = Transcript.Load(fixture);
        var reference = ParsedSession.Run(steps);

        AssertSame(reference, ParsedSession.Run(steps, length => Enumerable.Repeat(1, length)), $"{fixture} byte by byte");
        var random = new Random(fixture.GetHashCode(StringComparison.Ordinal));
        for (var round = 0; round < 20; round++)
            AssertSame(reference, ParsedSession.Run(steps, length => RandomChunks.Of(random, length, 64)), $"{fixture} random round {round}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void RawBytes_AreTheInputExceptRedactedRanges(string fixture)
    {
        var steps = Transcript.Load(fixture);
        var session = ParsedSession.Run(steps);
        foreach (var direction in new[] { Direction.Client, Direction.Server })
        {
            var input = steps.Where(s => s.Direction == direction).SelectMany(s => s.Bytes).ToArray();
            var raw = direction == Direction.Client ? session.ClientBytes : session.ServerBytes;
            Assert.Equal(input.Length, raw.Length);
            var redacted = session.Frames.Where(f => f.Direction == direction).SelectMany(f => f.Redactions ?? []).ToList();
            for (var i = 0; i < input.Length; i++)
            {
                if (input[i] == raw[i]) continue;
                Assert.True(raw[i] == (byte)'*' && redacted.Any(r => i >= r.Offset && i < r.Offset + r.Length),
                    $"{fixture}: {direction} byte {i} changed outside a redaction");
            }
        }
    }

    private static void AssertSame(ParsedSession expected, ParsedSession actual, string because)
    {
        Assert.True(expected.Json == actual.Json, $"{because}: frames differ\nexpected:\n{expected.Json}\nactual:\n{actual.Json}");
        Assert.True(expected.ClientBytes.AsSpan().SequenceEqual(actual.ClientBytes), $"{because}: client bytes differ");
        Assert.True(expected.ServerBytes.AsSpan().SequenceEqual(actual.ServerBytes), $"{because}: server bytes differ");
    }
}
