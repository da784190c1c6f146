using System.Security.Cryptography;
using System.Text;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Recording.Findings;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Storage.Tests.Support;

/// <summary>
/// One captured session, played the way the relay's capture does it: the conversation goes through the real
/// <see cref="ImapSessionParser"/>, and what it finds is published on a real bus — frames, command completions
/// with their latency, raw bytes in chunks (literals cut at <see cref="LiteralCap"/>), TLS, proxy actions,
/// open and close, and the findings engine's conclusions. Time is a clock the test moves: each event takes <see cref="Step"/>, <see cref="Wait"/> adds more.
/// </summary>
internal sealed class Conversation(EventBus bus, long sessionId, DateTimeOffset start) : IImapSink
{
    private readonly Dictionary<string, TimeSpan> commandTimes = [];
    private readonly Dictionary<long, IncrementalHash> literalHashes = [];
    private readonly long[] streamBytes = new long[2];
    private readonly SessionAnalyzer analyzer = new();
    private ImapSessionParser? parser;
    private long sequence;
    private TimeSpan elapsed;

    public long SessionId { get; } = sessionId;
    public int RawChunkSize { get; init; } = 13;
    public int LiteralCap { get; init; } = 400;
    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Every event published (raw chunks included), in order.</summary>
    public List<SessionEvent> Published { get; } = [];

    /// <summary>The raw bytes published for one direction (what the store must give back), in offset order.</summary>
    public List<RawBytes> Raw(Direction direction) =>
        Published.OfType<RawBytes>().Where(r => r.Source == SourceOf(direction)).OrderBy(r => r.Offset).ToList();

    public Conversation Open(string client, string upstream, ListenerKind listener = ListenerKind.Tls, bool upstreamInsecure = false) =>
        Publish(new SessionOpened
        {
            Source = EventSource.Proxy, ClientAddress = client, ListenerAddress = "127.0.0.1:1993", Listener = listener,
            Upstream = upstream, UpstreamTls = UpstreamTlsMode.Implicit, ClientTls = ClientTlsMode.Mirror, UpstreamInsecure = upstreamInsecure,
        });

    public Conversation Tls(TlsLeg leg, bool succeeded = true, string protocol = "Tls13", TlsClientOffer? offer = null) => Publish(new TlsHandshake
    {
        Source = EventSource.Proxy, Leg = leg, Succeeded = succeeded, Protocol = succeeded ? protocol : null,
        Error = succeeded ? null : "the client rejected the certificate", ClientHello = offer,
    });

    public Conversation Proxy(string action, string description) =>
        Publish(new ProxyAction { Source = EventSource.Proxy, Action = action, Description = description });

    public Conversation Wait(TimeSpan time)
    {
        elapsed += time;
        return this;
    }

    public Conversation Client(string text) => Feed(Direction.Client, text);

    public Conversation Server(string text) => Feed(Direction.Server, text);

    public void Close(CloseReason reason = CloseReason.ClientClosed, string detail = "test") => Publish(new SessionClosed
    {
        Source = EventSource.Proxy, Reason = reason, Detail = detail, ClientBytes = streamBytes[0], ServerBytes = streamBytes[1],
    });

    private Conversation Feed(Direction direction, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        streamBytes[(int)direction] += bytes.Length;
        parser ??= new ImapSessionParser(this);
        if (parser.Feed(direction, bytes) != bytes.Length) throw new InvalidOperationException("test conversations do not switch transports");
        return this;
    }

    void IImapSink.OnFrame(ImapFrame frame)
    {
        Publish(new FrameParsed(frame) { Source = SourceOf(frame.Direction), Offset = frame.Offset });
        if (frame is CommandFrame command) commandTimes[command.Tag] = elapsed;
        if (frame is ResponseFrame { ResponseKind: ResponseKind.Tagged, Status: { } status, Completes: { } completes })
        {
            Publish(new CommandCompleted
            {
                Source = EventSource.Server, Offset = frame.Offset, Tag = completes.Tag, Command = completes.Name, Status = status,
                CommandOffset = completes.Offset, Latency = elapsed - commandTimes.GetValueOrDefault(completes.Tag),
            });
        }
    }

    void IImapSink.OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal)
    {
        if (literal is null || literal.Length <= LiteralCap)
        {
            PublishRaw(direction, offset, bytes);
            return;
        }
        // A literal over the cap: its first LiteralCap bytes are kept, all of it is hashed (the capture tap's job).
        if (!literalHashes.TryGetValue(literal.Offset, out var hash))
            literalHashes[literal.Offset] = hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(bytes);
        var keep = (int)Math.Clamp(literal.Offset + LiteralCap - offset, 0, bytes.Length);
        PublishRaw(direction, offset, bytes[..keep]);
        if (offset + bytes.Length != literal.Offset + literal.Length) return;
        literalHashes.Remove(literal.Offset);
        Publish(new LiteralTruncated
        {
            Source = SourceOf(direction), Offset = literal.Offset, LiteralOffset = literal.Offset, Length = literal.Length,
            Kept = LiteralCap, Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()),
        });
        hash.Dispose();
    }

    private void PublishRaw(Direction direction, long offset, ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i += RawChunkSize)
        {
            // Raw chunks carry no sequence number: they are not part of the numbered event stream.
            var raw = new RawBytes
            {
                SessionId = SessionId, Time = start + elapsed, Elapsed = elapsed, Source = SourceOf(direction), Offset = offset + i,
                Data = bytes.Slice(i, Math.Min(RawChunkSize, bytes.Length - i)).ToArray(),
            };
            Send(raw);
        }
    }

    private Conversation Publish(SessionEvent e)
    {
        elapsed += Step;
        // As the recording does: the findings of the session's end come before its close, the others after their event.
        if (e is SessionClosed closed)
            foreach (var finding in analyzer.Close(closed with { Elapsed = elapsed })) Publish(finding);
        var stamped = e with { SessionId = SessionId, Sequence = ++sequence, Time = start + elapsed, Elapsed = elapsed };
        Send(stamped);
        foreach (var finding in analyzer.Observe(stamped)) Publish(finding);
        return this;
    }

    private void Send(SessionEvent e)
    {
        Published.Add(e);
        if (!bus.Publish(e)) throw new InvalidOperationException("the store's queue is full");
    }

    private static EventSource SourceOf(Direction direction) => direction == Direction.Client ? EventSource.Client : EventSource.Server;
}
