using ImapProxy.Recording.Events;
using ImapProxy.Protocol;

namespace ImapProxy.Storage.Writing;

/// <summary>The columns of an event row beside its JSON: what lists show and filters select on.</summary>
/// <param name="Name">Command name (FETCH, UID STORE), response keyword or status (EXISTS, OK), or the event's own
/// subject (TLS leg, close reason, new state), so one index answers "everything about FETCH".</param>
internal readonly record struct EventColumns(string Type, string? Kind, string? Tag, string? Name, string? Status, long? LatencyUs)
{
    public static EventColumns Of(SessionEvent e)
    {
        var type = StoredText.TypeOf(e);
        return e switch
        {
            FrameParsed { Frame: var frame } => OfFrame(type, frame),
            CommandCompleted c => new(type, null, c.Tag, c.Command, StoredText.Of(c.Status), StoredText.Microseconds(c.Latency)),
            TlsHandshake t => new(type, null, null, StoredText.Of(t.Leg), t.Succeeded ? "ok" : "failed", null),
            SessionClosed c => new(type, null, null, StoredText.Of(c.Reason), null, null),
            ProxyAction a => new(type, null, null, a.Action, null, null),
            // A finding's rule is its name (finding:ID) and its severity its kind (severity:warning).
            FindingReported f => new(type, StoredText.Of(f.Severity), null, f.Rule, null, null),
            _ => new(type, null, null, null, null, null),
        };
    }

    private static EventColumns OfFrame(string type, ImapFrame frame)
    {
        var kind = StoredText.KindOf(frame);
        return frame switch
        {
            CommandFrame c => new(type, kind, c.Tag, c.Name, null, null),
            ClientLineFrame l => new(type, kind, l.Tag, StoredText.Of(l.LineKind), null, null),
            ResponseFrame r => new(type, kind, r.Tag, r.Name ?? StatusWord(r.Status),
                r.Status is { } s ? StoredText.Of(s) : null, null),
            TransportChangeFrame t => new(type, kind, null, StoredText.Of(t.Transport), null, null),
            StateChangeFrame s => new(type, kind, null, StoredText.Of(s.State), null, null),
            _ => new(type, kind, null, null, null, null),
        };
    }

    // The status as it appears on the wire (RFC 3501 §7.1), so name=OK finds status responses like name=FETCH finds data.
    private static string? StatusWord(ResponseStatus? status) => status?.ToString().ToUpperInvariant();
}
