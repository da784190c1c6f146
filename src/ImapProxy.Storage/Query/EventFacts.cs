using System.Text.Json;

namespace ImapProxy.Storage.Query;

/// <summary>
/// Values the in-memory evaluator derives from an event row the way the SQL does: the generated columns of
/// schema version 2 (<c>command</c>, <c>command_mailbox</c>, <c>size</c>, <c>anomalous</c>; see Sqlite/Schema.cs).
/// </summary>
internal static class EventFacts
{
    public const string DiagnosticsStart = "\"diagnostics\":[{";

    /// <summary>Column <c>command</c>: a command frame's or completion's name without "UID ".</summary>
    public static string? Command(EventRow e) =>
        e is { Type: "frame", Kind: "command" } or { Type: "command-completed" } && e.Name is { } name
            ? name.StartsWith("UID ", StringComparison.Ordinal) ? name[4..] : name
            : null;

    /// <summary>Column <c>anomalous</c>: a frame with a non-empty list of diagnostics.</summary>
    public static bool Anomalous(EventRow e) => e.Type == "frame" && e.Json.Contains(DiagnosticsStart, StringComparison.Ordinal);


    /// <summary>Column <c>size</c>: bytes of a frame in its direction's stream, literals included.</summary>
    public static long? FrameLength(EventRow e) =>
        e.Type == "frame" && Read(e.Json, ["frame", "length"]) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var length) ? length : null;

    /// <summary>Column <c>command_mailbox</c>: the mailbox a command names (SELECT, EXAMINE, STATUS, APPEND, CREATE, COPY...).</summary>
    public static string? CommandMailbox(EventRow e) =>
        e.Kind == "command" && Read(e.Json, ["frame", "args", "mailbox"]) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    private static JsonElement? Read(string json, string[] path)
    {
        using var document = JsonDocument.Parse(json, Protocol.FrameJson.DocumentOptions);
        var element = document.RootElement;
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)) return null;
        }
        // Cloned: the document goes away with the using.
        return element.Clone();
    }
}
