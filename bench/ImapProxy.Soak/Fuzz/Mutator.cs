using System.Text;
using System.Text.RegularExpressions;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Tests;

namespace ImapProxy.Soak.Fuzz;

/// <summary>
/// Damages what one side of a script sends: 1 to 4 mutations, each on a random step of that side. What a mutation
/// does is written down (for the failure report), and it depends only on the <see cref="Random"/> it is given.
/// </summary>
internal static partial class Mutator
{
    private const int MaxMutations = 4;

    private static readonly string[] HugeLiterals =
        [" {4294967296}", " {9223372036854775807}", " {99999999999999999999999999}", " ~{18446744073709551615+}", " {2147483648+}"];

    private delegate string Mutation(List<byte> bytes, Random random);

    private static readonly (string Name, Mutation Apply)[] Mutations =
    [
        ("flip", Flip), ("insert", Insert), ("delete", Delete), ("literal-lie", LiteralLie), ("huge-literal", HugeLiteral),
        ("deep-parentheses", DeepParentheses), ("no-crlf", NoCrlf), ("nul", Nul),
    ];

    /// <returns>The steps with <paramref name="side"/>'s damaged, and what was done, e.g. "flip S3@17".</returns>
    public static (IReadOnlyList<Step> Steps, IReadOnlyList<string> Applied) Mutate(IReadOnlyList<Step> steps, Direction side, Random random)
    {
        var result = steps.Select(s => (s.Direction, Bytes: s.Bytes.ToList())).ToList();
        var applied = new List<string>();
        var count = random.Next(1, MaxMutations + 1);
        for (var m = 0; m < count; m++)
        {
            var ours = Enumerable.Range(0, result.Count).Where(i => result[i].Direction == side).ToList();
            if (ours.Count == 0) break;
            var index = ours[random.Next(ours.Count)];
            var label = $"{(side == Direction.Client ? 'C' : 'S')}{index}";
            // One in nine mutations is a truncation: the session ends inside this step.
            if (random.Next(Mutations.Length + 1) == Mutations.Length)
            {
                var cut = random.Next(result[index].Bytes.Count + 1);
                result[index].Bytes.RemoveRange(cut, result[index].Bytes.Count - cut);
                result.RemoveRange(index + 1, result.Count - index - 1);
                applied.Add($"truncate {label}@{cut}");
                break;
            }
            var (name, apply) = Mutations[random.Next(Mutations.Length)];
            applied.Add($"{name} {label}{apply(result[index].Bytes, random)}");
        }
        return (result.Select(s => new Step(s.Direction, s.Bytes.ToArray())).ToList(), applied);
    }

    private static string Flip(List<byte> bytes, Random random)
    {
        if (bytes.Count == 0) return Insert(bytes, random);
        var at = random.Next(bytes.Count);
        bytes[at] ^= (byte)random.Next(1, 256);
        return $"@{at}";
    }

    private static string Insert(List<byte> bytes, Random random)
    {
        var at = random.Next(bytes.Count + 1);
        var inserted = new byte[random.Next(1, 17)];
        random.NextBytes(inserted);
        bytes.InsertRange(at, inserted);
        return $"@{at}+{inserted.Length}";
    }

    private static string Delete(List<byte> bytes, Random random)
    {
        if (bytes.Count == 0) return "@0-0";
        var at = random.Next(bytes.Count);
        var length = random.Next(1, Math.Min(16, bytes.Count - at) + 1);
        bytes.RemoveRange(at, length);
        return $"@{at}-{length}";
    }

    /// <summary>A literal that announces fewer or more bytes than follow; where the step has none, a literal header where none belongs.</summary>
    private static string LiteralLie(List<byte> bytes, Random random)
    {
        var text = Encoding.Latin1.GetString(bytes.ToArray());
        var literals = LiteralHeader().Matches(text);
        if (literals.Count == 0)
        {
            var lie = random.Next(0, 300);
            var at = LineEndOrEnd(bytes, random);
            bytes.InsertRange(at, Encoding.ASCII.GetBytes($" {{{lie}}}"));
            return $"@{at} {{{lie}}} without a literal";
        }
        var literal = literals[random.Next(literals.Count)];
        var announced = long.Parse(literal.Groups[1].Value);
        var told = announced > 0 && random.Next(2) == 0 ? random.NextInt64(0, announced) : announced + random.Next(1, 1000);
        bytes.RemoveRange(literal.Groups[1].Index, literal.Groups[1].Length);
        bytes.InsertRange(literal.Groups[1].Index, Encoding.ASCII.GetBytes(told.ToString()));
        return $"@{literal.Index} {{{announced}}}->{{{told}}}";
    }

    private static string HugeLiteral(List<byte> bytes, Random random)
    {
        var header = HugeLiterals[random.Next(HugeLiterals.Length)];
        var at = LineEndOrEnd(bytes, random);
        bytes.InsertRange(at, Encoding.ASCII.GetBytes(header));
        return $"@{at}{header}";
    }

    /// <summary>Up to 50,000 nested lists, closed or not: a parser that recurses per level would overflow its stack.</summary>
    private static string DeepParentheses(List<byte> bytes, Random random)
    {
        var depth = random.Next(2) == 0 ? random.Next(1, 100) : random.Next(1000, 50_001);
        var closed = random.Next(2) == 0;
        var at = LineEndOrEnd(bytes, random);
        bytes.InsertRange(at, Enumerable.Repeat((byte)'(', depth).Concat(closed ? Enumerable.Repeat((byte)')', depth) : []));
        return $"@{at} x{depth}{(closed ? " closed" : "")}";
    }

    /// <summary>A line that ends in LF alone, CR alone or nothing, so it runs into the next one.</summary>
    private static string NoCrlf(List<byte> bytes, Random random)
    {
        var ends = LineEnds(bytes);
        if (ends.Count == 0) return Delete(bytes, random);
        var at = ends[random.Next(ends.Count)];
        var (replacement, name) = random.Next(3) switch { 0 => (new byte[] { (byte)'\n' }, "LF"), 1 => ([(byte)'\r'], "CR"), _ => ([], "nothing") };
        bytes.RemoveRange(at, 2);
        bytes.InsertRange(at, replacement);
        return $"@{at} CRLF->{name}";
    }

    private static string Nul(List<byte> bytes, Random random)
    {
        var at = random.Next(bytes.Count + 1);
        var count = random.Next(1, 9);
        bytes.InsertRange(at, new byte[count]);
        return $"@{at} x{count}";
    }

    /// <summary>Where a CRLF starts, for mutations that belong at the end of a line; the step's end when it has none.</summary>
    private static int LineEndOrEnd(List<byte> bytes, Random random)
    {
        var ends = LineEnds(bytes);
        return ends.Count == 0 ? bytes.Count : ends[random.Next(ends.Count)];
    }

    private static List<int> LineEnds(List<byte> bytes)
    {
        var ends = new List<int>();
        for (var i = 0; i + 1 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') ends.Add(i);
        }
        return ends;
    }

    // {n}, {n+}, ~{n} and ~{n+} at the end of a line (RFC 3501 §4.3, RFC 7888, RFC 3516); group 1 is n.
    [GeneratedRegex(@"~?\{(\d{1,18})\+?\}\r\n")]
    private static partial Regex LiteralHeader();
}
