using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Bus;

/// <summary>About how much memory an event holds while it waits in a queue: what queues are budgeted in.</summary>
public static class EventWeight
{
    // The record, its strings and its place in the queue; frames carry their parsed tree besides (a small FETCH
    // response measured about 300 bytes of objects).
    private const int EventOverhead = 96;
    private const int FrameOverhead = 320;

    // Small literals (mailbox names, ENVELOPE strings) are kept with their frame, up to the parser's inline limit.
    private const int MaxInlineBytes = 64 * 1024;

    /// <summary>The frame's line bytes and the literals small enough to be kept with it (each one up to the inline limit).</summary>
    private static long Held(Protocol.ImapFrame frame)
    {
        var literals = frame.Literals ?? [];
        var lines = frame.Length - literals.Sum(l => l.Length);
        return Math.Max(0, lines) + literals.Where(l => l.Length <= MaxInlineBytes).Sum(l => l.Length);
    }

    public static long Of(SessionEvent e) => e switch
    {
        RawBytes raw => EventOverhead + raw.Data.Length,
        FrameParsed { Frame: var frame } => FrameOverhead + Held(frame),
        _ => EventOverhead,
    };
}
