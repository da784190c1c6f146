using ImapProxy.Recording.Bus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// A bus and a writer of its own, for work that stores sessions without a running host: the CLI's import, replay
/// and serve-capture. Everything published is in the store when <see cref="RunAsync{T}"/> returns.
/// </summary>
public static class PrivateWriter
{
    public static async Task<T> RunAsync<T>(EventStore store, string name, Func<EventBus, EventStoreWriter, Task<T>> work,
        ILogger<EventStoreWriter>? logger = null, CancellationToken cancellationToken = default)
    {
        var bus = new EventBus();
        using var writer = new EventStoreWriter(store, bus.Subscribe(name, store.Options.QueueCapacity, essential: true, maxBytes: store.Options.QueueBytes),
            logger ?? NullLogger<EventStoreWriter>.Instance);
        await writer.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(bus, writer).ConfigureAwait(false);
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
