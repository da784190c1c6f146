using ImapProxy.Protocol;
using ImapProxy.Replay.Diff;

namespace ImapProxy.Replay.Captured;

/// <summary>
/// What makes two commands "the same command" for server replay: the name and the parsed arguments, without the
/// tag, the byte positions or the secrets (a LOGIN password is redacted at capture and differs at replay), and
/// without the literal's kind: a client may send <c>{n+}</c> where it sent <c>{n}</c>.
/// </summary>
public static class CommandKey
{
    // Literal's own JSON names: where a literal was and how it was announced, at whatever depth the arguments nest
    // it (APPEND's messages, a token tree). The key is the arguments' JSON without them.
    private static readonly HashSet<string> Positional = ["offset", "nonSynchronizing"];

    public static string Of(CommandFrame frame)
    {
        var key = frame.Name.ToUpperInvariant();
        foreach (var shape in Shapes(frame)) key += " " + shape?.ToJsonString(JsonShape.Readable);
        return key;
    }

    /// <summary>
    /// Where a command differs from a captured one of the same name: each argument (by its path in the parsed form,
    /// e.g. <c>sequenceSet</c>) whose value is not the same, with both values as JSON; null where one has none.
    /// </summary>
    public static IReadOnlyList<ArgumentDifference> Differences(CommandFrame sent, CommandFrame captured)
    {
        var mine = Leaves(sent);
        var theirs = Leaves(captured);
        return mine.Keys.Union(theirs.Keys).Order(StringComparer.Ordinal)
            .Where(path => mine.GetValueOrDefault(path) != theirs.GetValueOrDefault(path))
            .Select(path => new ArgumentDifference(path, mine.GetValueOrDefault(path), theirs.GetValueOrDefault(path)))
            .ToList();
    }

    private static SortedDictionary<string, string> Leaves(CommandFrame frame)
    {
        var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var shape in Shapes(frame))
        foreach (var (path, value) in JsonShape.Flatten(shape)) leaves[path] = value;
        return leaves;
    }

    // Typed commands have arguments as records; the rest a token tree.
    private static IEnumerable<System.Text.Json.Nodes.JsonNode?> Shapes(CommandFrame frame)
    {
        if (frame.Args is { } args) yield return JsonShape.Without(JsonShape.Of(args), Positional);
        if (frame.Arguments is { } arguments) yield return JsonShape.Without(JsonShape.Of(arguments), Positional);
    }
}

/// <summary>One argument in which a client's command differs from the captured one; values as JSON, null when absent.</summary>
public sealed record ArgumentDifference(string Path, string? Sent, string? Captured)
{
    public override string ToString() => $"{Path}: {Sent ?? "none"} sent, {Captured ?? "none"} captured";
}
