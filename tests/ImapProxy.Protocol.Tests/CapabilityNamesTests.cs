using ImapProxy.Protocol.Session;

namespace ImapProxy.Protocol.Tests;

/// <summary>Capability names are kept once per process, not once per session, within a bound a server cannot lift.</summary>
public class CapabilityNamesTests
{
    private const string Greeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n";

    // Each test its own pool: the process's is shared with every other test running meanwhile.
    private static IReadOnlyList<string> CapabilitiesAfter(string greeting, CapabilityNames names)
    {
        var parser = new ImapSessionParser(new ParsedSession(), new ImapParserOptions { CapabilityNames = names });
        parser.Feed(Direction.Server, System.Text.Encoding.ASCII.GetBytes(greeting));
        return parser.Capabilities;
    }

    [Fact]
    public void TwoSessionsToOneServer_HoldOneCopyOfEachName()
    {
        var names = new CapabilityNames();
        var first = CapabilitiesAfter(Greeting, names);
        var second = CapabilitiesAfter(Greeting, names);

        Assert.Equal(["AUTH=PLAIN", "ENABLE", "ID", "IDLE", "IMAP4rev1", "LITERAL+", "LOGIN-REFERRALS", "SASL-IR"], second);
        // Each session parsed its own copy of the line; what it keeps is the one shared instance of each name.
        Assert.All(first.Zip(second), pair => Assert.Same(pair.First, pair.Second));
        // And the proxy's sessions share the process's pool.
        Assert.Same(CapabilityNames.Process, ImapParserOptions.Default.CapabilityNames);
    }

    [Fact]
    public void NamesDifferingOnlyInCase_AreOneName_KeptAsFirstAnnounced()
    {
        Assert.Equal(["idle", "IMAP4rev1"], CapabilitiesAfter("* OK [CAPABILITY IMAP4rev1 idle IDLE] ready\r\n", new CapabilityNames()));
    }

    [Fact]
    public void AServerMakingUpNames_CannotGrowThePool_AndRealNamesAreSharedAgainAfterIt()
    {
        var names = new CapabilityNames(maxNames: 3);

        for (var i = 0; i < 100; i++)
        {
            names.Shared($"X-MADE-UP-{i}");
            Assert.InRange(names.Count, 1, 3);
        }
        var idle = names.Shared(new string("IDLE"));
        Assert.Same(idle, names.Shared(new string("IDLE")));
    }

    [Fact]
    public void ANameLongerThanAnyRegistered_IsNeverPooled()
    {
        var names = new CapabilityNames();
        names.Shared(new string('X', CapabilityNames.MaxPooledLength + 1));

        var again = new string('X', CapabilityNames.MaxPooledLength + 1);
        Assert.Same(again, names.Shared(again));
        Assert.Equal(0, names.Count);
    }
}
