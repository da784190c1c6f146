using ImapProxy.Protocol;
using ImapProxy.Protocol.Syntax;
using ImapProxy.Recording;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

public class EventFactsTests
{
    [Fact]
    public void DeeplyNestedFrame_IsReadLikeAnyOther()
    {
        // A hostile server may nest lists 100 deep (the parser's limit): deeper than JSON readers go by default.
        ImapValue deep = new ImapList([]);
        for (var i = 0; i < 100; i++) deep = new ImapList([deep]);
        var frame = new ResponseFrame { Direction = Direction.Server, Offset = 0, Length = 5, ResponseKind = ResponseKind.Untagged, Name = "XFOO", Arguments = [deep] };
        var json = EventJson.Write(new FrameParsed(frame) { Source = EventSource.Server });
        var row = new EventRow(1, 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "server", 0, "frame", "response", null, "XFOO", null, null, json);

        Assert.Equal(5, EventFacts.FrameLength(row));
    }
}
