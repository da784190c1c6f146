using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Sqlite;

/// <summary>
/// The writer fills the text index by itself, once the store has had a quiet second (not between the batches of a
/// conversation, where it took the CPU from the relay).
/// </summary>
public sealed class WriterTextIndexingTests
{
    [Fact]
    public async Task WhatTheWriterWrote_IsIndexedOnceTheStoreIsQuiet()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        for (var seq = 2; seq <= 50; seq++) h.Bus.Publish(Synthetic.Action(id, seq));
        await h.IdleAsync();
        Assert.Equal(50, Scalar(h, $"SELECT count(*) FROM events WHERE session_id = {id}"));

        // The index has no signal of its own: its mark is read until it covers every row, within the harness's timeout.
        using var timeout = new CancellationTokenSource(StoreHarness.Timeout);
        while (Scalar(h, "SELECT count(*) FROM events WHERE rowid > (SELECT up_to FROM events_text_indexed)") > 0)
            await Task.Delay(50, timeout.Token);

        Assert.Equal(1, Scalar(h, "SELECT count(*) FROM events_text WHERE events_text MATCH '\"eve\" AND \"t 7\"'"));
    }

    [Fact]
    public async Task UnderTrafficThatNeverPauses_TheIndexStillFollows()
    {
        // A busy proxy may never be quiet for a second; text: reads what is not indexed row by row, so that tail must
        // not grow for as long as the traffic lasts. Bursts 20 ms apart stand for such traffic; the index must move
        // while they go on.
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        var until = DateTime.UtcNow + StoreHarness.Timeout;
        long seq = 1;
        while (Scalar(h, "SELECT up_to FROM events_text_indexed") == 0 && DateTime.UtcNow < until)
        {
            for (var i = 0; i < 2_000; i++) h.Bus.Publish(Synthetic.Action(id, ++seq));
            await Task.Delay(20);
        }
        Assert.True(Scalar(h, "SELECT up_to FROM events_text_indexed") > 0, $"nothing indexed after {seq} events without a pause");
    }

    private static long Scalar(StoreHarness h, string sql)
    {
        using var connection = h.Store.OpenConnection();
        using var command = EventStore.Command(connection, sql);
        return (long)command.ExecuteScalar()!;
    }
}
