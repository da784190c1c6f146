using System.Text;
using ImapProxy.Recording;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Protocol;

namespace ImapProxy.Storage.Tests.Support;

/// <summary>
/// One captured session, recorded by the relay's own <see cref="SessionRecording"/> (parser, command latency, the
/// literal cap and its hash, raw chunks, findings) on a real bus. The test only plays the wire and the clock: each
/// call moves the clock by <see cref="Step"/> (<see cref="Wait"/> adds more), and each side's text is fed in reads of
/// <see cref="ReadSize"/> bytes, as TCP hands a relay its bytes.
/// </summary>
internal sealed class Conversation : IDisposable
{
    private readonly EventBus bus;
    private readonly ReplayClock clock;
    private readonly EventBus.Subscription tee;
    private readonly List<SessionEvent> published = [];
    private SessionRecording? recording;

    public Conversation(EventBus bus, long sessionId, DateTimeOffset start)
    {
        this.bus = bus;
        SessionId = sessionId;
        clock = new ReplayClock(start);
        // What this session publishes, seen as the store sees it (the bus is shared with the other conversations).
        tee = bus.Subscribe($"conversation-{sessionId}", int.MaxValue);
    }

    public long SessionId { get; }

    /// <summary>Bytes per read of each side's text: small reads put frames, literals and raw chunks across boundaries.</summary>
    public int ReadSize { get; init; } = 13;

    /// <summary>The recording's literal cap (the proxy's <c>--literal-cap</c>).</summary>
    public long LiteralCap { get; init; } = 400;

    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Every event this session published (raw chunks included), in order.</summary>
    public List<SessionEvent> Published
    {
        get
        {
            while (tee.Reader.TryRead(out var e))
                if (e.SessionId == SessionId) published.Add(e);
            return published;
        }
    }

    /// <summary>The raw bytes published for one direction (what the store must give back), in offset order.</summary>
    public List<RawBytes> Raw(Direction direction) =>
        Published.OfType<RawBytes>().Where(r => r.Source == SourceOf(direction)).OrderBy(r => r.Offset).ToList();

    public Conversation Open(string client, string upstream, ListenerKind listener = ListenerKind.Tls, bool upstreamInsecure = false)
    {
        Tick();
        recording = new SessionRecording(SessionId, new SessionOpened
        {
            Source = EventSource.Proxy, ClientAddress = client, ListenerAddress = "127.0.0.1:1993", Listener = listener,
            Upstream = upstream, UpstreamTls = UpstreamTlsMode.Implicit, ClientTls = ClientTlsMode.Mirror, UpstreamInsecure = upstreamInsecure,
        }, bus, clock, LiteralCap);
        return this;
    }

    public Conversation Tls(TlsLeg leg, bool succeeded = true, string protocol = "Tls13", TlsClientOffer? offer = null) => Publish(new TlsHandshake
    {
        Source = EventSource.Proxy, Leg = leg, Succeeded = succeeded, Protocol = succeeded ? protocol : null,
        Error = succeeded ? null : "the client rejected the certificate", ClientHello = offer,
    });

    public Conversation Proxy(string action, string description) =>
        Publish(new ProxyAction { Source = EventSource.Proxy, Action = action, Description = description });

    public Conversation Wait(TimeSpan time)
    {
        clock.Advance(time);
        return this;
    }

    public Conversation Client(string text) => Feed(Direction.Client, text);

    public Conversation Server(string text) => Feed(Direction.Server, text);

    public void Close(CloseReason reason = CloseReason.ClientClosed, string detail = "test")
    {
        Tick();
        Recording.Close(reason, detail);
    }

    public void Dispose()
    {
        recording?.Dispose();
        tee.Dispose();
    }

    private SessionRecording Recording => recording ?? throw new InvalidOperationException("Open the conversation first");

    private Conversation Feed(Direction direction, string text)
    {
        Tick();
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var at = 0; at < bytes.Length; at += ReadSize)
        {
            var read = bytes.AsSpan(at, Math.Min(ReadSize, bytes.Length - at));
            if (Recording.Feed(direction, read).Consumed != read.Length)
                throw new InvalidOperationException("test conversations do not switch transports");
        }
        return this;
    }

    /// <summary>A session-level event (a drop notice, a cut literal...) published through the recording, stamped as it stamps them.</summary>
    public Conversation Publish(SessionEvent e)
    {
        Tick();
        Recording.Publish(e);
        return this;
    }

    private void Tick() => clock.Advance(Step);

    private static EventSource SourceOf(Direction direction) => direction == Direction.Client ? EventSource.Client : EventSource.Server;
}
