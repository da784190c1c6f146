using Xunit;

namespace ImapProxy.TestSupport;

/// <summary>
/// One Dovecot shared by a test class (IClassFixture) or collection (ICollectionFixture, defined by each test
/// project). Rawlog is on, so tests can compare what a proxy relayed with what Dovecot saw. Tests share the
/// server's state: give each test its own mailbox or user. Override <see cref="Options"/> for other settings.
/// </summary>
public class DovecotFixture : IAsyncLifetime
{
    private DovecotServer? server;

    public DovecotServer Server => server ?? throw new InvalidOperationException("the fixture has not been initialised");

    protected virtual DovecotOptions Options => new() { Rawlog = true };

    public async Task InitializeAsync()
    {
        // Bounded beyond the server's own greeting wait, to cover useradd and doveconf too.
        using var timeout = new CancellationTokenSource(Options.StartTimeout + TimeSpan.FromSeconds(30));
        server = await DovecotServer.StartAsync(Options, timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (server is not null) await server.DisposeAsync();
    }
}
