using ImapProxy.Recording.Events;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// tls:failed for a handshake that failed on the upstream leg (the captured store's failure is on the client leg):
/// a client that reached the proxy over TLS, relayed to a server whose certificate the proxy refused.
/// </summary>
public sealed class TlsFailedFilterTests : IAsyncLifetime
{
    private readonly StoreHarness harness = new();
    private QueryService queries = null!;

    public async Task InitializeAsync()
    {
        var conversation = new Conversation(harness.Bus, harness.Store.NextSessionId(), CapturedStore.Start);
        conversation.Open("10.0.0.7:4000", "imap.example.com:993")
            .Tls(TlsLeg.Client)
            .Tls(TlsLeg.Upstream, succeeded: false)
            .Close(CloseReason.UpstreamTlsFailed);
        await harness.StartAsync();
        await harness.IdleAsync();
        queries = new QueryService(harness.Store);
    }

    public async Task DisposeAsync() => await harness.DisposeAsync();

    [Theory]
    [InlineData("tls:failed", true)]
    [InlineData("tls:client", true)]
    [InlineData("tls:upstream", false)]
    [InlineData("tls:both", false)]
    [InlineData("tls:none", false)]
    public void UpstreamHandshakeFailed(string expression, bool matches)
    {
        var filter = Filter.Parse(expression);
        var session = Assert.Single(queries.Sessions(null, 10).Rows);
        var events = queries.Events(session.Id, null, QueryService.MaxPage).Rows;

        Assert.Equal(matches, queries.Sessions(filter, 10).Rows.Count == 1);
        Assert.Equal(matches, filter.MatchesSession(session, events.ToList(), queries.Context));
    }
}
