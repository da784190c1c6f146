namespace ImapProxy.Capture;

/// <summary>What a session's relay does while the store is behind (its queue past <see cref="Recording.Bus.EventBus.RoomBelow"/>).</summary>
public enum StoreBehindMode
{
    /// <summary>
    /// The relay waits until the store has room, so that every byte captured is kept: a transfer faster than the
    /// store can write slows to the store's pace. A store that makes no room within the bus's patience is stalled,
    /// and the relay sheds (as <see cref="Shed"/>) until it catches up, so that a dead disk never stops the mail.
    /// </summary>
    Wait,

    /// <summary>The relay never waits: message bodies above <see cref="Recording.SessionRecording.SheddableLiteral"/> bytes
    /// are let go (size and SHA-256 kept, the session marked incomplete) while the store is behind.</summary>
    Shed,
}
