using System.Data.Common;
using ImapProxy.Storage.Writing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ImapProxy.Storage.Retention;

/// <summary>
/// Prunes the oldest finished sessions (their events and raw rows go with them, ON DELETE CASCADE, and then their raw files) when the
/// store is over its size or age limit. Small transactions, so the event writer is never held up for long
/// (SQLite serialises them with the writer's, within its busy timeout). Where the engine keeps sessions in ranges it
/// can drop whole (PostgreSQL's partitions, <see cref="EventStore.DropSessionsEndedBefore"/>), a range that would go
/// entirely goes at once.
/// </summary>
public sealed class RetentionService(EventStore store, RetentionOptions options, TimeProvider time, ILogger<RetentionService> logger)
    : BackgroundService
{
    private const int SessionsPerTransaction = 50;
    private long pruned;

    public long SessionsPruned => Interlocked.Read(ref pruned);

    public DateTimeOffset? LastRun { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.MaxAge is null && options.MaxSize is null) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                PruneOnce();
            }
            catch (DbException error)
            {
                logger.LogWarning(error, "Retention could not prune the store this time");
            }
            try
            {
                await Task.Delay(options.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Deletes what the limits allow; returns how many sessions went.</summary>
    public int PruneOnce()
    {
        using var connection = store.OpenConnection();
        var count = 0;
        if (options.MaxAge is { } age)
        {
            var cutoff = StoredText.Time(time.GetUtcNow() - age);
            count += store.DropSessionsEndedBefore(connection, cutoff);
            while (DeleteOldest(connection, SessionsPerTransaction, "ended_at < @cutoff", ("@cutoff", cutoff)) is var n and > 0) count += n;
        }
        if (options.MaxSize is { } max)
        {
            // One session at a time, measuring between: a batch would take sessions the limit lets the store keep
            // (with fewer than a batch of finished sessions, all of them).
            while (store.UsedBytes(connection) is var used && used > max && PruneOldest(connection, used - max) is var n and > 0) count += n;
        }
        LastRun = time.GetUtcNow();
        if (count > 0)
        {
            Interlocked.Add(ref pruned, count);
            logger.LogInformation("Retention pruned {Count} finished sessions ({Limits})", count, options.Describe());
        }
        return count;
    }

    // The oldest finished session, or more at once where the store can drop them together and the loop would delete them all.
    private int PruneOldest(DbConnection connection, long excess) =>
        store.DropOldestSessionsWithin(connection, excess) is var dropped and > 0 ? dropped : DeleteOldest(connection, 1, "TRUE");

    private int DeleteOldest(DbConnection connection, int limit, string condition, params (string Name, object? Value)[] parameters)
    {
        using var delete = EventStore.Command(connection, $"""
            DELETE FROM sessions WHERE id IN (
                SELECT id FROM sessions WHERE ended_at IS NOT NULL AND {condition} ORDER BY id LIMIT {limit})
            RETURNING id
            """, parameters);
        var deleted = EventStore.ReadAll(delete, r => r.GetInt64(0));
        // After the rows: a file whose rows are gone is only space, a row whose file is gone would be a lost capture.
        if (store.RawFiles?.Delete(deleted) is > 0 and var failed)
            logger.LogWarning("Retention deleted {Count} sessions but could not remove {Failed} of their raw files in {Directory}", deleted.Count, failed, store.RawFiles.Directory);
        return deleted.Count;
    }
}
