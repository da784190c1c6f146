using ImapProxy.Storage;
using ImapProxy.Storage.Postgres;

namespace ImapProxy.Dashboard.Live;

/// <summary>
/// With a shared PostgreSQL store, the sessions of the other proxies on it reach this dashboard live, as its own do
/// (<see cref="SharedStoreEvents"/>: LISTEN/NOTIFY, then the new rows). With SQLite there are no other proxies.
/// </summary>
public sealed class SharedStoreFeed(EventStore store, LiveFeed feed, ILogger<SharedStoreFeed> logger) : BackgroundService
{
    private readonly SharedStoreEvents? events = store is PostgresEventStore shared ? new SharedStoreEvents(shared, feed.DeliverAsync, logger) : null;

    /// <summary>Completes once the other proxies' sessions are listened for (at once without a shared store).</summary>
    public Task Listening => events?.Listening ?? Task.CompletedTask;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => events?.RunAsync(stoppingToken) ?? Task.CompletedTask;
}
