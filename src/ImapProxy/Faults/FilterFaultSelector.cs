using ImapProxy.Capture.Faults;
using ImapProxy.Protocol;
using ImapProxy.Recording.Events;
using ImapProxy.Storage;
using ImapProxy.Storage.Query;

namespace ImapProxy.Faults;

/// <summary>
/// A fault rule's filter: the filter language judged on one live frame, with its session's fields as the relay knows
/// them (id, client, upstream, user, mailbox). The frame is judged as the event the store will hold for it.
/// </summary>
internal sealed class FilterFaultSelector(Filter filter) : IFaultFilter
{
    public string Text => filter.Text;

    public bool Selects(FaultSession session, ImapFrame frame)
    {
        var row = SessionRow.Blank(session.Id, DateTimeOffset.MinValue) with
        {
            ClientAddress = session.ClientAddress, Upstream = session.Upstream, User = session.User, Mailbox = session.Mailbox,
        };
        var source = frame.Direction == Direction.Client ? EventSource.Client : EventSource.Server;
        return filter.Matches(row, new FrameParsed(frame) { SessionId = session.Id, Source = source, Offset = frame.Offset });
    }
}
