using ImapProxy.Protocol.Session;

namespace ImapProxy.Protocol.Tests;

/// <summary>Capability names are kept once per process, not once per session, within a bound a server cannot lift.</summary>
public class CapabilityNamesTests
{
    private const string Greeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n";

    private static IReadOnlyList<string> CapabilitiesAfter(string greeting)
    {
        var parser = new ImapSessionParser(new ParsedSession());
        parser.Feed(Direction.Server, System.Text.Encoding.ASCII.GetBytes(greeting));
        return parser.Capabilities;
    }

    [Fact]
    public void TwoSessionsToOneServer_HoldOneCopyOfEachName()
    {
        var first = CapabilitiesAfter(Greeting);
        var second = CapabilitiesAfter(Greeting);

        Assert.Equal(["AUTH=PLAIN", "ENABLE", "ID", "IDLE", "IMAP4rev1", "LITERAL+", "LOGIN-REFERRALS", "SASL-IR"], second);
        // Each session parsed its own copy of the line; what it keeps is the one shared instance of each name.
        Assert.All(first.Zip(second), pair => Assert.Same(pair.First, pair.Second));
    }

    [Fact]
    public void NamesDifferingOnlyInCase_AreOneName_KeptAsFirstAnnounced()
    {
        Assert.Equal(["idle", "IMAP4rev1"], CapabilitiesAfter("* OK [CAPABILITY IMAP4rev1 idle IDLE] ready\r\n"));
    }

    [Fact]
    public void AServerMakingUpNames_FillsThePoolOnlyToItsBound()
    {
        var names = new CapabilityNames(maxNames: 2);
        var imap = names.Shared(new string("IMAP4rev1"));
        names.Shared(new string("IDLE"));

        // Known names are still shared once the pool is full...
        Assert.Same(imap, names.Shared(new string("IMAP4rev1")));
        // ...new ones are kept as they came, not added.
        var made = new string("X-MADE-UP-1");
        var again = new string("X-MADE-UP-1");
        Assert.Same(made, names.Shared(made));
        Assert.Same(again, names.Shared(again));
        // A name longer than any registered one is never pooled, even with room.
        var roomy = new CapabilityNames();
        var longName = new string('X', CapabilityNames.MaxPooledLength + 1);
        Assert.Same(longName, roomy.Shared(longName));
        Assert.NotSame(longName, roomy.Shared(new string('X', CapabilityNames.MaxPooledLength + 1)));
    }
}
