using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

public class EventFactsTests
{
    [Fact]
    public void DeeplyNestedFrame_IsReadLikeAnyOther()
    {
        // A hostile server may nest lists 100 deep (the parser's limit): deeper than JSON readers go by default.
        var json = """{"type":"frame","frame":{"kind":"response","length":5,"arguments":""" + new string('[', 200) + new string(']', 200) + "}}";
        var row = new EventRow(1, 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "server", 0, "frame", "response", null, "XFOO", null, null, json);

        Assert.Equal(5, EventFacts.FrameLength(row));
    }
}
