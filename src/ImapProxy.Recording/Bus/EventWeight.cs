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

    public static long Of(SessionEvent e) => e switch
    {
        RawBytes raw => EventOverhead + raw.Data.Length,
        FrameParsed { Frame: var frame } => FrameOverhead + Math.Min(frame.Length, MaxInlineBytes),
        _ => EventOverhead,
    };
}
