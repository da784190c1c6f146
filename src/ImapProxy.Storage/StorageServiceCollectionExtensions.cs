using ImapProxy.Recording.Bus;
using ImapProxy.Storage.Writing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImapProxy.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// The event store and its writer (a hosted service fed by an essential subscription to the event bus).
    /// The subscription is made when the writer is created, at host start-up: register storage before anything
    /// that publishes (the listeners), so no session's first events are published before the store listens.
    /// </summary>
    public static IServiceCollection AddImapProxyStorage(this IServiceCollection services, StorageOptions options)
    {
        options.Validate();
        services.TryAddSingleton<EventBus>();
        services.AddSingleton(options);
        services.AddSingleton(_ => EventStore.Open(options));
        services.AddSingleton(sp => new EventStoreWriter(
            sp.GetRequiredService<EventStore>(),
            sp.GetRequiredService<EventBus>().Subscribe("store", options.QueueCapacity, essential: true, maxBytes: options.QueueBytes),
            sp.GetService<ILogger<EventStoreWriter>>() ?? NullLogger<EventStoreWriter>.Instance));
        services.AddHostedService(sp => sp.GetRequiredService<EventStoreWriter>());
        return services;
    }
}
