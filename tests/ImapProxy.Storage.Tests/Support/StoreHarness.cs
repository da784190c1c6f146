using ImapProxy.Recording.Bus;
using ImapProxy.Storage.Writing;

namespace ImapProxy.Storage.Tests.Support;

/// <summary>A real store (a SQLite file in a temp directory, or a PostgreSQL database), a real bus and the writer between them.</summary>
internal sealed class StoreHarness : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory directory;
    private readonly bool ownsDirectory;
    private bool started;

    /// <param name="postgres">A PostgreSQL connection string (<see cref="TestSupport.PostgresCluster"/>); null for SQLite.</param>
    /// <param name="open">Opens the store, when not as the proxy does (<see cref="EventStore.Open"/>).</param>
    /// <param name="time">The clock the writer stamps its health and paces its log lines by.</param>
    public StoreHarness(Func<StorageOptions, StorageOptions>? configure = null, TempDirectory? directory = null, string? postgres = null,
        Func<StorageOptions, EventStore>? open = null, TimeProvider? time = null)
    {
        ownsDirectory = directory is null;
        this.directory = directory ?? new TempDirectory();
        var options = new StorageOptions { DataDirectory = this.directory.Combine("data"), Store = postgres is null ? null : StoreLocation.Parse(postgres) };
        Options = configure?.Invoke(options) ?? options;
        Store = open?.Invoke(Options) ?? EventStore.Open(Options);
        Writer = new EventStoreWriter(Store, Bus.Subscribe("store", Options.QueueCapacity, essential: true, maxBytes: Options.QueueBytes), Logger, time);
    }

    public StorageOptions Options { get; }
    public EventBus Bus { get; } = new();
    public EventStore Store { get; }
    public EventStoreWriter Writer { get; }
    public ListLogger<EventStoreWriter> Logger { get; } = new();

    public async Task StartAsync()
    {
        started = true;
        await Writer.StartAsync(CancellationToken.None);
    }

    /// <summary>Waits until everything published so far is in the database.</summary>
    public async Task IdleAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await Writer.WaitUntilWrittenAsync(timeout.Token);
    }

    public async Task StopAsync()
    {
        if (!started) return;
        started = false;
        using var timeout = new CancellationTokenSource(Timeout);
        await Writer.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Writer.Dispose();
        Store.Dispose();
        if (ownsDirectory) directory.Dispose();
    }
}
