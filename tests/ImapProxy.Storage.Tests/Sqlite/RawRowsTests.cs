using System.Runtime.InteropServices;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Writing;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Sqlite;

public class RawRowsTests
{
    private readonly List<RawRow> written = [];
    private readonly List<byte[]?> wholeArrays = [];

    // A row's bytes are valid only during the call (a merged row's are in a pooled buffer): kept as a copy, and the
    // array they came in when they were all of one.
    private void Keep(RawRow row)
    {
        written.Add(row with { Data = row.Data.ToArray() });
        wholeArrays.Add(MemoryMarshal.TryGetArray(row.Data, out var segment) && segment is { Offset: 0, Array: { } array } && array.Length == segment.Count ? array : null);
    }

    [Fact]
    public void ConsecutiveChunks_BecomeFullRows_TheRestWaitsForFlush()
    {
        var rows = new RawRows(10, Keep);
        for (var i = 0; i < 25; i++) rows.Add(Synthetic.Raw(1, EventSource.Client, i, [(byte)i]));

        Assert.Equal([0L, 10], written.Select(r => r.Offset));
        rows.FlushAll();
        Assert.Equal([10, 10, 5], written.Select(r => r.Data.Length));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (byte)i), written.SelectMany(r => r.Data.ToArray()));
    }

    [Fact]
    public void WholeRowChunks_AfterAShortOne_AreRowsOfTheirOwn_AsTheyCame()
    {
        // A bulk download: the capture's chunks are whole rows except the last of each message. Topping the short
        // row up would shift every later chunk across two rows and copy it; the store could not keep pace then.
        var rows = new RawRows(10, Keep);
        var full = new[] { new byte[10], new byte[10] };
        rows.Add(Synthetic.Raw(1, EventSource.Server, 0, new byte[5]));
        rows.Add(Synthetic.Raw(1, EventSource.Server, 5, full[0]));
        rows.Add(Synthetic.Raw(1, EventSource.Server, 15, full[1]));

        Assert.Equal([(0L, 5), (5L, 10), (15L, 10)], written.Select(r => (r.Offset, r.Data.Length)));
        Assert.Same(full[0], wholeArrays[1]);
        Assert.Same(full[1], wholeArrays[2]);
    }

    [Fact]
    public void ChunkLargerThanARow_IsSplit()
    {
        var rows = new RawRows(10, Keep);
        rows.Add(Synthetic.Raw(1, EventSource.Server, 100, new byte[25]));
        rows.FlushAll();
        Assert.Equal([(100L, 10), (110L, 10), (120L, 5)], written.Select(r => (r.Offset, r.Data.Length)));
        Assert.All(written, r => Assert.Equal("server", r.Direction));
    }

    [Fact]
    public void Gap_StartsANewRow_DirectionsAndSessionsAreKeptApart()
    {
        var rows = new RawRows(100, Keep);
        rows.Add(Synthetic.Raw(1, EventSource.Client, 0, [1, 2]));
        rows.Add(Synthetic.Raw(1, EventSource.Server, 0, [3]));
        rows.Add(Synthetic.Raw(2, EventSource.Client, 2, [4]));
        rows.Add(Synthetic.Raw(1, EventSource.Client, 5, [5])); // bytes 2..4 were not kept
        rows.Flush(1);

        Assert.Equal([(1L, "client", 0L, 2), (1L, "client", 5L, 1), (1L, "server", 0L, 1)],
            written.Select(r => (r.SessionId, r.Direction, r.Offset, r.Data.Length)).OrderBy(r => r.Direction).ThenBy(r => r.Offset));
        written.Clear();
        rows.FlushAll();
        Assert.Equal([(2L, 2L)], written.Select(r => (r.SessionId, r.Offset)));
    }

    [Fact]
    public void Clear_DropsPendingBytes()
    {
        var rows = new RawRows(100, Keep);
        rows.Add(Synthetic.Raw(1, EventSource.Client, 0, [1, 2]));
        rows.Clear();
        rows.FlushAll();
        Assert.Empty(written);
    }
}
