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
        // Typed commands have arguments as records; the rest a token tree.
        if (frame.Args is { } args) key += " " + JsonShape.Without(JsonShape.Of(args), Positional)?.ToJsonString(JsonShape.Readable);
        if (frame.Arguments is { } arguments) key += " " + JsonShape.Without(JsonShape.Of(arguments), Positional)?.ToJsonString(JsonShape.Readable);
        return key;
    }
}
