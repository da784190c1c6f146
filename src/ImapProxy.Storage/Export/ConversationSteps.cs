using ImapProxy.Protocol;
using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Export;

/// <summary>One step of a stored conversation, at the time it was observed.</summary>
internal abstract record ConversationStep(DateTimeOffset Time);

/// <summary>
/// Bytes [<see cref="From"/>, <see cref="To"/>) of one direction, seen at <see cref="ConversationStep.Time"/>.
/// <see cref="Literals"/> are the literal bodies among them (for display limits).
/// </summary>
internal sealed record BytesStep(Direction Direction, long From, long To, IReadOnlyList<LiteralSpan> Literals, DateTimeOffset Time)
    : ConversationStep(Time);

/// <summary>A stored event (frames included, after their bytes), read back as its record.</summary>
internal sealed record EventStep(EventRow Row, SessionEvent Event) : ConversationStep(Row.Time);

/// <summary>A literal body: where it starts in its direction's stream and how long it is.</summary>
internal readonly record struct LiteralSpan(long Offset, long Length)
{
    public long End => Offset + Length;
}
