using ImapProxy.Protocol;
using ImapProxy.Protocol.Tests;

namespace ImapProxy.Soak.Fuzz;

/// <summary>How one step is written: in these pieces, back to back or with a yield (a 0 ms delay) between them.</summary>
internal sealed record Writes(IReadOnlyList<int> Pieces, bool YieldBetween);

/// <summary>
/// Everything one fuzzed session does, derived from its seed alone, so that <c>--replay SEED</c> plays it again:
/// the base script, which side is damaged and how, how each step is cut into writes, and who hangs up first.
/// </summary>
internal sealed record SessionPlan(int Seed, string Script, Direction MutatedSide, IReadOnlyList<Step> Steps, IReadOnlyList<Writes> Writes,
    Direction ClosesFirst, IReadOnlyList<string> Mutations)
{
    private const int ByteByByteLimit = 512;

    public static int SessionSeed(int runSeed, int index) => unchecked(runSeed * 1_000_003 + index);

    public static SessionPlan Create(int seed, IReadOnlyList<Script> scripts)
    {
        var random = new Random(seed);
        var script = scripts[random.Next(scripts.Count)];
        // Half the sessions damage what the server sends, half what the client sends.
        var side = random.Next(2) == 0 ? Direction.Server : Direction.Client;
        var (steps, mutations) = Mutator.Mutate(script.Steps, side, random);
        var writes = steps.Select(s => Split(s.Bytes.Length, random)).ToList();
        var closesFirst = random.Next(2) == 0 ? Direction.Client : Direction.Server;
        return new SessionPlan(seed, script.Name, side, steps, writes, closesFirst, mutations);
    }

    public override string ToString() =>
        $"{Script}, {Name(MutatedSide)} side damaged ({string.Join(", ", Mutations)}), {Steps.Count} steps, {Name(ClosesFirst)} closes first";

    public static string Name(Direction side) => side == Direction.Client ? "client" : "server";

    /// <summary>One write, byte by byte (short steps only), or random pieces: the proxy must not care where reads split.</summary>
    private static Writes Split(int length, Random random)
    {
        var yieldBetween = random.Next(2) == 0;
        switch (random.Next(4))
        {
            case 0:
                return new Writes([length], yieldBetween);
            case 1 when length <= ByteByByteLimit:
                return new Writes(Enumerable.Repeat(1, length).ToList(), yieldBetween);
            default:
                var pieces = new List<int>();
                var largest = random.Next(2) == 0 ? 16 : Math.Max(1, length / 2);
                for (var left = length; left > 0;)
                {
                    var piece = Math.Min(left, random.Next(1, largest + 1));
                    pieces.Add(piece);
                    left -= piece;
                }
                return new Writes(pieces, yieldBetween);
        }
    }
}
