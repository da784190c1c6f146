using ImapProxy.Capture.Relay;
using ImapProxy.Recording;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tests.Relay;

/// <summary>The relay's STARTTLS decisions (RFC 3501 §6.2.1), played as facts in and decisions out, without sockets.</summary>
public class StartTlsPolicyTests
{
    private static readonly FeedResult Pending = new(14, StartTlsPending: true, TlsStarted: false, "a1");
    private static readonly FeedResult Accepted = new(20, StartTlsPending: false, TlsStarted: true, "a1");
    private static readonly FeedResult Refused = new(30, StartTlsPending: false, TlsStarted: false, StartTlsRefused: true);
    private static readonly FeedResult Unrelated = new(30, StartTlsPending: false, TlsStarted: false);

    [Fact]
    public void BothLegsPlain_Mirror_ForwardsAndUpgradesBothOnOk()
    {
        var policy = new StartTlsPolicy(ClientTlsMode.Mirror);

        Assert.Equal(StartTlsAnswer.Forward, policy.OnClientStartTls());
        Assert.False(policy.OnServerChunk(Pending, out var refused)); // an untagged EXISTS before the answer
        Assert.False(refused);
        Assert.True(policy.OnServerChunk(Accepted, out refused));
        Assert.False(refused);
        Assert.True(policy.Upgrading); // nothing may be written to the client now
        policy.OnUpstreamHandshake();
        policy.OnClientHandshake();
        Assert.False(policy.Upgrading);
        Assert.Equal(StartTlsAnswer.RefuseAlreadyTls, policy.OnClientStartTls());
    }

    [Fact]
    public void ServerRefuses_ReleasesTheClientOnce_AndStaysPlain()
    {
        var policy = new StartTlsPolicy(ClientTlsMode.Mirror);
        policy.OnClientStartTls();

        Assert.False(policy.OnServerChunk(Refused, out var refused));
        Assert.True(refused);
        Assert.False(policy.OnServerChunk(Refused, out refused));
        Assert.False(refused);
        Assert.Equal(StartTlsAnswer.Forward, policy.OnClientStartTls());
        // A chunk the parser fed before it saw the STARTTLS says nothing about it (the pumps' race the review found).
        Assert.False(policy.OnServerChunk(Unrelated, out refused));
        Assert.False(refused);
    }

    [Fact]
    public void Bridging_RefusesItself_AndStartsUpstreamTlsItself()
    {
        var policy = new StartTlsPolicy(ClientTlsMode.None);

        Assert.Equal(UpstreamStart.ProxyStartTls, policy.StartFor(UpstreamTlsMode.StartTls, ListenerKind.Plain));
        Assert.Equal(StartTlsAnswer.RefuseBridging, policy.OnClientStartTls());
    }

    [Fact]
    public void UpstreamAlreadyTls_UpgradesTheClientLegOnly()
    {
        var policy = new StartTlsPolicy(ClientTlsMode.Mirror);
        Assert.Equal(UpstreamStart.Implicit, policy.StartFor(UpstreamTlsMode.Implicit, ListenerKind.Plain));
        policy.OnUpstreamHandshake();

        Assert.Equal(StartTlsAnswer.UpgradeClientOnly, policy.OnClientStartTls());
        policy.OnClientOnlyUpgradeStarting();
        Assert.True(policy.Upgrading);
        policy.OnClientHandshake();
        Assert.False(policy.Upgrading);
    }

    [Theory]
    [InlineData(UpstreamTlsMode.StartTls, ListenerKind.Tls, "ProxyStartTls")] // the client leg is TLS from the start
    [InlineData(UpstreamTlsMode.StartTls, ListenerKind.Plain, "Plain")] // mirrored later, if the client asks
    [InlineData(UpstreamTlsMode.None, ListenerKind.Tls, "Plain")]
    [InlineData(UpstreamTlsMode.Implicit, ListenerKind.Tls, "Implicit")]
    public void StartFor_Mirror(UpstreamTlsMode upstream, ListenerKind listener, string expected) =>
        Assert.Equal(Enum.Parse<UpstreamStart>(expected), new StartTlsPolicy(ClientTlsMode.Mirror).StartFor(upstream, listener));
}
