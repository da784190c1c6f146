using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Security;

namespace ImapProxy.Tests.TestSupport;

/// <summary>
/// Not a test of ImapProxy: a check that the shared Dovecot gives the proxy tests what they rely on, so a broken
/// fixture fails here by name instead of as a puzzle in a proxy test. Filter it out of product counts with
/// <c>--filter Category!=FixtureSanity</c>.
/// </summary>
[Collection(DovecotCollection.Name)]
[Trait("Category", "FixtureSanity")]
public sealed class DovecotFixtureSanityTests(DovecotFixture fixture)
{
    [Fact]
    public async Task Fixture_LogsAliceInOnEachPortAndWay_AndWritesHerRawlog()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var marker = $"sanity-{Guid.NewGuid():N}"[..20];

        // The three ways the proxy tests reach it: plaintext, STARTTLS on the plain port, implicit TLS.
        foreach (var security in new[] { SecureSocketOptions.None, SecureSocketOptions.StartTls, SecureSocketOptions.SslOnConnect })
        {
            using var client = await fixture.Server.ConnectAsync(DovecotUser.Alice, security, cts.Token);
            Assert.True(client.IsAuthenticated, $"{security}: not logged in");
            Assert.Equal(security != SecureSocketOptions.None, client.IsSecure);
            if (security == SecureSocketOptions.SslOnConnect)
                await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(marker, true, cts.Token);
            await client.DisconnectAsync(quit: true, cts.Token);
        }

        // Rawlog on: the import and replay tests read what Dovecot wrote.
        var rawlog = await fixture.Server.WaitForRawlogAsync("alice", marker, cts.Token);
        Assert.Contains($"CREATE {marker}", await File.ReadAllTextAsync(rawlog + ".in", cts.Token));
    }
}
