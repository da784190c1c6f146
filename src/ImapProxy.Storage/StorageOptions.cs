namespace ImapProxy.Storage;

/// <summary>Where and how the event store keeps its data. Bound from configuration by the host.</summary>
public sealed record StorageOptions
{
    /// <summary>Folder of the database file (<c>imapproxy.db</c>); created when missing.</summary>
    public string DataDirectory { get; init; } = "data";

    /// <summary>Which store (<c>--store</c>); null for the SQLite file in <see cref="DataDirectory"/>.</summary>
    public StoreLocation? Store { get; init; }

    /// <summary>The name of the proxy that writes (<c>--instance</c>), kept on each session it opens; null for none
    /// (imports, tests). Several proxies writing one PostgreSQL store tell their sessions apart by it.</summary>
    public string? Instance { get; init; }

    /// <summary>The store these options name.</summary>
    public StoreLocation Location => Store ?? StoreLocation.InDataDirectory(DataDirectory);

    /// <summary>Queue between the event bus and the writer, in events and in bytes (<see cref="QueueBytes"/>). When it is
    /// full the bus drops events and marks the session's capture incomplete; the relay never waits.</summary>
    public int QueueCapacity { get; init; } = 1_000_000;

    // 32 MiB: with 64 the proxy's peak RSS during a bulk FETCH was 239-350 MiB, with 32 it was 192-217 MiB (three
    // relay-bench runs each, 2026-12-06), with no change in throughput beyond the runs' spread; a store that falls
    // behind lets literal bodies go sooner (bench/ImapProxy.RelayBench/README.md).
    public const long DefaultQueueBytes = 32L * 1024 * 1024;
    public const long MinQueueBytes = 1024 * 1024;

    /// <summary>The queue's memory budget: beyond half of it literal bodies go first, beyond all of it events.</summary>
    public long QueueBytes { get; init; } = DefaultQueueBytes;

    /// <summary>Most events written in one transaction.</summary>
    public int MaxBatchEvents { get; init; } = 2_000;

    /// <summary>Raw bytes after which a batch is closed even if it has fewer events.</summary>
    public int MaxBatchBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>How long the writer lets events gather before a transaction when fewer than a batch are queued (it
    /// writes at once for a full batch, and for <see cref="Writing.EventStoreWriter.WaitUntilWrittenAsync"/>). A crash loses
    /// at most this much of what was relayed, besides what is queued.</summary>
    public TimeSpan CoalesceDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Consecutive raw chunks of one direction are merged into rows of up to this size.</summary>
    public int RawRowBytes { get; init; } = 64 * 1024;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory)) throw new ArgumentException("Storage:DataDirectory is required");
        if (Instance is { } instance && !InstanceName.IsValid(instance)) throw new ArgumentException(InstanceName.Rule);
        if (QueueCapacity < 1) throw new ArgumentException("Storage:QueueCapacity must be at least 1");
        if (QueueBytes < MinQueueBytes) throw new ArgumentException($"the capture queue must be at least {Units.Size(MinQueueBytes)}");
        if (MaxBatchEvents < 1) throw new ArgumentException("Storage:MaxBatchEvents must be at least 1");
        if (MaxBatchBytes < 1) throw new ArgumentException("Storage:MaxBatchBytes must be at least 1");
        if (RawRowBytes < 1) throw new ArgumentException("Storage:RawRowBytes must be at least 1");
    }
}
