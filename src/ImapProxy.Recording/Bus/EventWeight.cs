using ImapProxy.Protocol;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Bus;

/// <summary>About how much memory an event holds while it waits in a queue: what queues are budgeted in.</summary>
public static class EventWeight
{
    // The record, its strings and its place in the queue; frames carry their parsed tree besides (a small FETCH
    // response measured about 300 bytes of objects).
    private const int EventOverhead = 96;
    private const int FrameOverhead = 320;

    public static long Of(SessionEvent e) => e switch
    {
        RawBytes raw => EventOverhead + raw.Data.Length,
        FrameParsed { Frame: var frame } => FrameOverhead + Held(frame),
        _ => EventOverhead,
    };

    /// <summary>The frame's line bytes and the bodies of the literals kept with it (the parser keeps the small ones).</summary>
    private static long Held(ImapFrame frame)
    {
        var held = frame.Length;
        foreach (var literal in frame.Literals ?? []) held -= literal.Length - (literal.Content?.Length ?? 0);
        return Math.Max(0, held);
    }
}
