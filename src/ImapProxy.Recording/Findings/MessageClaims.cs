using ImapProxy.Protocol;
using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>A value the server sent of a message, and the event that carried it.</summary>
public readonly record struct Claim<T>(T Value, long Sequence);

/// <summary>
/// What the server claimed of one fetched message anywhere in the session (RFC822.SIZE, BODYSTRUCTURE), for a view
/// that shows the message beside those claims. Clients fetch sizes and structure first and the body later, by other
/// commands: the message is recognised across them as the findings engine recognises it (<see cref="MessageKey"/>,
/// with the mailbox and numbering of <see cref="AnalysisState"/>), so the view and the findings agree on what
/// "the same message" is.
/// </summary>
public sealed record MessageClaims(Claim<ulong>? Rfc822Size, Claim<BodyPart>? Structure)
{
    public static readonly MessageClaims None = new(null, null);

    /// <summary>
    /// The claims about the message of the FETCH response at event <paramref name="sequence"/>: of each, the last sent
    /// at or before that event (what a client had when it read the body), else the first sent after it.
    /// </summary>
    public static MessageClaims For(IReadOnlyList<SessionEvent> events, long sequence)
    {
        if (KeyAt(events, sequence) is not { } key) return None;
        Claim<ulong>? size = null;
        Claim<BodyPart>? structure = null;
        foreach (var (fetch, at, e) in Fetches(events))
        {
            if (at != key) continue;
            var before = e.Sequence <= sequence;
            if (fetch.Rfc822Size is { } value && (before || size is null)) size = new(value, e.Sequence);
            if (fetch.BodyStructure is { } tree && (before || structure is null)) structure = new(tree, e.Sequence);
        }
        return new MessageClaims(size, structure);
    }

    private static MessageKey? KeyAt(IReadOnlyList<SessionEvent> events, long sequence)
    {
        foreach (var (_, key, e) in Fetches(events))
            if (e.Sequence == sequence) return key;
        return null;
    }

    /// <summary>The session's FETCH responses, each with the message it is about as the state before it says.</summary>
    private static IEnumerable<(FetchData Fetch, MessageKey Key, SessionEvent Event)> Fetches(IReadOnlyList<SessionEvent> events)
    {
        var state = new AnalysisState();
        foreach (var e in events)
        {
            if (e is FrameParsed { Frame: ResponseFrame { Data: FetchData fetch } }) yield return (fetch, MessageKey.Of(fetch, state), e);
            state.Update(e);
        }
    }
}
