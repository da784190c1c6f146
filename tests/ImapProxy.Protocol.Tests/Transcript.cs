using System.Text;
using ImapProxy.Protocol;

namespace ImapProxy.Protocol.Tests;

/// <summary>Bytes sent in one direction, in conversation order.</summary>
internal sealed record Step(Direction Direction, byte[] Bytes);

/// <summary>
/// Readable C:/S: transcripts (MailKit's resource style): each "C: text" or "S: text" line is that text plus
/// CRLF sent by the client or the server; "#" starts a comment; consecutive lines of one side form one step.
/// </summary>
internal static class Transcript
{
    public static IReadOnlyList<Step> Load(string name) =>
        Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name)));

    public static IEnumerable<string> FixtureNames(string folder = "") =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", folder), "*.txt", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Path.Combine(AppContext.BaseDirectory, "Fixtures"), p))
            .Order();

    public static IReadOnlyList<Step> Parse(string text)
    {
        var steps = new List<Step>();
        Direction? current = null;
        var buffer = new List<byte>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var direction = line[0] switch
            {
                'C' => Direction.Client,
                'S' => Direction.Server,
                _ => throw new FormatException($"transcript line must start with C: or S: — {line}"),
            };
            if (line.Length < 2 || line[1] != ':') throw new FormatException($"expected ':' after {line[0]} — {line}");
            var content = line.Length > 2 && line[2] == ' ' ? line[3..] : line[2..];
            if (current is { } c && c != direction)
            {
                steps.Add(new Step(c, buffer.ToArray()));
                buffer.Clear();
            }
            current = direction;
            buffer.AddRange(Encoding.UTF8.GetBytes(content + "\r\n"));
        }
        if (current is { } last) steps.Add(new Step(last, buffer.ToArray()));
        return steps;
    }

    /// <summary>Steps from an inline conversation: ("C", "a1 NOOP\r\n"), ("S", "a1 OK\r\n").</summary>
    public static IReadOnlyList<Step> Of(params (string Side, string Text)[] parts) =>
        parts.Select(p => new Step(p.Side == "C" ? Direction.Client : Direction.Server, Encoding.UTF8.GetBytes(p.Text))).ToArray();
}
