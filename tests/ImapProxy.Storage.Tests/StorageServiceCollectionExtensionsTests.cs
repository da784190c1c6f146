using ImapProxy.Recording.Bus;
using ImapProxy.Storage.Writing;
using ImapProxy.Storage.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImapProxy.Storage.Tests;

public class StorageServiceCollectionExtensionsTests
{
    [Fact]
    public async Task Host_StartsTheWriter_AndStoppingItStoresWhatWasPublished()
    {
        using var temp = new TempDirectory();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddImapProxyStorage(new StorageOptions { DataDirectory = temp.Path });
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(StoreHarness.Timeout);
        await host.StartAsync(timeout.Token);

        var store = host.Services.GetRequiredService<EventStore>();
        var bus = host.Services.GetRequiredService<EventBus>();
        var events = Synthetic.Session(store.NextSessionId(), 1_000);
        foreach (var e in events) Assert.True(bus.Publish(e));
        await host.StopAsync(timeout.Token);

        Assert.Equal(1_000, host.Services.GetRequiredService<EventStoreWriter>().EventsWritten);
        Assert.Equal(1_000, store.GetSession(events[0].SessionId)!.Events);
    }
}
