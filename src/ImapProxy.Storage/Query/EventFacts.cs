using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;
using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Query;

/// <summary>
/// Values the in-memory evaluator derives from an event row the way the SQL does: the generated columns of
/// schema version 2 (<c>command</c>, <c>command_mailbox</c>, <c>size</c>, <c>anomalous</c>; see Sqlite/Schema.cs).
/// The PostgreSQL store writes these values as plain columns, computed here (Postgres/PostgresSchema.cs says why).
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
    public static long? FrameLength(EventRow e) => e.Type == "frame" ? FrameLength(e.ReadEvent()) : null;

    public static long? FrameLength(SessionEvent e) => e is FrameParsed { Frame: var frame } ? frame.Length : null;

    /// <summary>Column <c>command_mailbox</c>: the mailbox a command names (SELECT, EXAMINE, STATUS, APPEND, CREATE, COPY...).</summary>
    public static string? CommandMailbox(EventRow e) => e.Kind == "command" ? CommandMailbox(e.ReadEvent()) : null;

    public static string? CommandMailbox(SessionEvent e) =>
        e is FrameParsed { Frame: CommandFrame { Args: var args } }
            ? args switch
            {
                SelectArgs a => a.Mailbox,
                MailboxArgs a => a.Mailbox,
                StatusArgs a => a.Mailbox,
                AppendArgs a => a.Mailbox,
                CopyArgs a => a.Mailbox,
                _ => null,
            }
            : null;
}
