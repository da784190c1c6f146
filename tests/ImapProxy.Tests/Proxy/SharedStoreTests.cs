using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using ImapProxy.Dashboard.Live;
using ImapProxy.Recording.Events;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ImapProxy.Tests.Proxy;

/// <summary>Two proxies on one PostgreSQL store, in front of a real Dovecot, with a real client on one of them.</summary>
[Collection(DovecotCollection.Name)]
public sealed class SharedStoreTests(DovecotFixture fixture)
{
    [Fact]
    public async Task ASessionThroughOneProxy_ReachesTheOthersDashboardLive_AndItsFilters()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var database = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        await using var office1 = await ProxyHarness.StartAsync(fixture.Server, "implicit", "--store", database, "--instance", "office-1");
        await using var office2 = await ProxyHarness.StartAsync(fixture.Server, "implicit", "--store", database, "--instance", "office-2");
        var seen = Channel.CreateUnbounded<SessionEvent>();
        using var subscription = office2.Services.GetRequiredService<LiveFeed>().Subscribe(async batch =>
        {
            foreach (var e in batch) await seen.Writer.WriteAsync(e);
        });
        await office2.Services.GetRequiredService<SharedStoreFeed>().Listening.WaitAsync(cts.Token);

        var id = await office1.RecordSessionAsync(cts.Token);

        // office-2's live views got office-1's session, from its opening to its close.
        var opened = await seen.Reader.ReadAsync(cts.Token);
        Assert.Equal((id, typeof(SessionOpened)), (opened.SessionId, opened.GetType()));
        SessionEvent last;
        do last = await seen.Reader.ReadAsync(cts.Token);
        while (last is not SessionClosed);
        Assert.Equal(id, last.SessionId);
        // And its API finds it by the proxy that relayed it.
        using var http = new HttpClient { BaseAddress = office2.Dashboard };
        var sessions = await http.GetFromJsonAsync<JsonElement>("api/sessions?filter=instance:office-1", cts.Token);
        Assert.Equal([id], sessions.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("id").GetInt64()));
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("api/sessions?filter=instance:office-2", cts.Token)).GetProperty("sessions").EnumerateArray());
    }
}
