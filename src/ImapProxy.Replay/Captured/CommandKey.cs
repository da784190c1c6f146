using System.Text.Json;
using ImapProxy.Replay.Diff;

namespace ImapProxy.Replay.Captured;

/// <summary>
/// What makes two commands "the same command" for server replay: the name and the parsed arguments, without the
/// tag, the byte positions or the secrets (a LOGIN password is redacted at capture and differs at replay), and
/// without the literal's kind: a client may send <c>{n+}</c> where it sent <c>{n}</c>.
/// </summary>
public static class CommandKey
{
    private static readonly HashSet<string> Positional = ["offset", "nonSynchronizing"];

    /// <param name="frame">A command frame in FrameJson's shape.</param>
    public static string Of(JsonElement frame)
    {
        var name = frame.TryGetProperty("command", out var c) ? c.GetString() ?? "" : "";
        var key = name.ToUpperInvariant();
        // Typed commands have "args"; the rest "arguments", a token tree.
        if (frame.TryGetProperty("args", out var args)) key += " " + JsonShape.Without(args, Positional)?.ToJsonString(JsonShape.Readable);
        if (frame.TryGetProperty("arguments", out var arguments)) key += " " + JsonShape.Without(arguments, Positional)?.ToJsonString(JsonShape.Readable);
        return key;
    }
}
