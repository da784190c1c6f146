using ImapProxy.Storage;
using ImapProxy.Storage.Postgres;

namespace ImapProxy.Dashboard.Live;

/// <summary>
/// With a shared PostgreSQL store, the sessions of the other proxies on it reach this dashboard live, as its own do
/// (<see cref="SharedStoreEvents"/>: LISTEN/NOTIFY, then the new rows). With SQLite there are no other proxies.
/// </summary>
public sealed class SharedStoreFeed(EventStore store, LiveFeed feed, ILogger<SharedStoreFeed> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => store is PostgresEventStore shared
        ? new SharedStoreEvents(shared, feed.DeliverAsync, logger).RunAsync(stoppingToken)
        : Task.CompletedTask;
}
