using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Security;

namespace ImapProxy.Tests.Proxy;

/// <summary>Many real clients at once through one proxy: each gets its own relay, and the store one session each.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ConcurrentClientsTests(DovecotFixture fixture)
{
    private const int Clients = 100;

    // Logins in flight at once: two TLS handshakes and a Dovecot fork each, on two shared cores. The sessions
    // themselves all overlap (see the barrier below); only their opening is paced.
    private const int OpeningAtOnce = 20;

    [Fact]
    public async Task HundredMailKitSessionsAtOnce_AllSucceed_AndAreStoredClosedWithTheirUser()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        // At least one message to fetch (the first is fetched); nothing in this collection counts alice's INBOX.
        await fixture.Server.SeedMaildirAsync("alice", [SampleMessages.Text("concurrent", "small")], ct: cts.Token);

        using var opening = new SemaphoreSlim(OpeningAtOnce);
        var loggedIn = 0;
        var allLoggedIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<int> SessionAsync()
        {
            var counted = false;
            try
            {
                await opening.WaitAsync(cts.Token);
                MailKit.Net.Imap.ImapClient client;
                try
                {
                    client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token);
                }
                finally
                {
                    opening.Release();
                }
                using (client)
                {
                    counted = true;
                    if (Interlocked.Increment(ref loggedIn) == Clients) allLoggedIn.TrySetResult();
                    // Every session is open before any goes on: this is 100 sessions at once, not 100 in a row.
                    await allLoggedIn.Task.WaitAsync(cts.Token);
                    await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
                    var fetched = await client.Inbox.FetchAsync(0, 0, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, cts.Token);
                    await client.DisconnectAsync(true, cts.Token);
                    return fetched.Count;
                }
            }
            finally
            {
                // A client that failed to log in must not leave the others waiting at the barrier until the timeout.
                if (!counted && Interlocked.Increment(ref loggedIn) == Clients) allLoggedIn.TrySetResult();
            }
        }

        var results = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(SessionAsync, cts.Token)));

        Assert.All(results, count => Assert.Equal(1, count));
        await proxy.WaitForSessionsToCloseAsync();
        var sessions = proxy.Store.GetSessions(Clients * 2);
        Assert.Equal(Clients, sessions.Count);
        Assert.Equal(Clients, sessions.Select(s => s.ClientAddress).Distinct().Count());
        Assert.All(sessions, s =>
        {
            Assert.NotNull(s.EndedAt);
            Assert.Equal("alice", s.User);
            Assert.False(s.CaptureIncomplete, $"session {s.Id} is marked capture-incomplete");
            Assert.Equal(0, s.DroppedEvents);
            Assert.Equal(0, s.Failures);
            // Each session's own commands are in its own record, not mixed into another's.
            var completed = proxy.Store.GetEvents(s.Id, 0, 1_000).Where(e => e.Type == "command-completed" && e.Status == "ok")
                .Select(e => e.Name).ToList();
            Assert.Contains("EXAMINE", completed);
            Assert.Contains("FETCH", completed);
            Assert.Contains("LOGOUT", completed);
        });
    }
}
