using System.Security.Cryptography;
using System.Text;
using ImapProxy.Capture.Bus;
using ImapProxy.Capture.Events;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Storage.Tests.Support;

/// <summary>
/// Plays the capture side for one session, the way the relay will: feeds a conversation to the real
/// <see cref="ImapSessionParser"/> and publishes what it finds on a real bus — frames, command completions,
/// raw bytes in small chunks (literals cut at <see cref="LiteralCap"/> with a LiteralTruncated), TLS, open/close.
/// Time is synthetic (1 ms per event) so latencies are known.
/// </summary>
internal sealed class SessionRecorder : IImapSink
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly EventBus bus;
    private readonly ImapSessionParser parser;
    private readonly Dictionary<string, TimeSpan> commandTimes = [];
    private readonly Dictionary<long, IncrementalHash> literalHashes = [];
    private readonly long[] streamBytes = new long[2];
    private long sequence;
    private TimeSpan elapsed;

    public SessionRecorder(EventBus bus, long sessionId)
    {
        this.bus = bus;
        SessionId = sessionId;
        parser = new ImapSessionParser(this);
    }

    public long SessionId { get; }
    public int RawChunkSize { get; init; } = 7;
    public int LiteralCap { get; init; } = 16;

    /// <summary>Every event published, in order.</summary>
    public List<SessionEvent> Published { get; } = [];

    /// <summary>The raw bytes published per direction (what the store must give back), in offset order.</summary>
    public List<RawBytes> Raw(Direction direction) =>
        Published.OfType<RawBytes>().Where(r => r.Source == SourceOf(direction)).OrderBy(r => r.Offset).ToList();

    public void Open() => Publish(new SessionOpened
    {
        SessionId = SessionId, Time = Now, Elapsed = elapsed, Source = EventSource.Proxy,
        ClientAddress = "127.0.0.1:50000", ListenerAddress = "127.0.0.1:1993", Listener = ListenerKind.Tls,
        Upstream = "imap.example.test:993", UpstreamTls = "implicit", ClientTls = "implicit", UpstreamInsecure = true,
    });

    public void Tls(TlsLeg leg, string protocol) => Publish(new TlsHandshake
    {
        SessionId = SessionId, Time = Now, Elapsed = elapsed, Source = EventSource.Proxy,
        Leg = leg, Succeeded = true, Protocol = protocol, Cipher = "TLS_AES_256_GCM_SHA384", ServerName = "imap.example.test",
    });

    public void Client(string text) => Feed(Direction.Client, Encoding.UTF8.GetBytes(text));

    public void Server(string text) => Feed(Direction.Server, Encoding.UTF8.GetBytes(text));

    public void Close(CloseReason reason = CloseReason.ClientClosed) => Publish(new SessionClosed
    {
        SessionId = SessionId, Time = Now, Elapsed = elapsed, Source = EventSource.Proxy,
        Reason = reason, Detail = "client said LOGOUT", ClientBytes = streamBytes[0], ServerBytes = streamBytes[1],
    });

    public void Feed(Direction direction, byte[] bytes)
    {
        streamBytes[(int)direction] += bytes.Length;
        var taken = parser.Feed(direction, bytes);
        if (taken != bytes.Length) throw new InvalidOperationException("the test conversation must not switch transports");
    }

    void IImapSink.OnFrame(ImapFrame frame)
    {
        Publish(new FrameParsed(frame)
        {
            SessionId = SessionId, Time = Now, Elapsed = elapsed, Source = SourceOf(frame.Direction), Offset = frame.Offset,
        });
        if (frame is CommandFrame command) commandTimes[command.Tag] = elapsed;
        if (frame is ResponseFrame { ResponseKind: ResponseKind.Tagged, Status: { } status, Completes: { } completes })
        {
            Publish(new CommandCompleted
            {
                SessionId = SessionId, Time = Now, Elapsed = elapsed, Source = EventSource.Server, Offset = frame.Offset,
                Tag = completes.Tag, Command = completes.Name, Status = status, CommandOffset = completes.Offset,
                Latency = elapsed - commandTimes.GetValueOrDefault(completes.Tag),
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
        // A literal over the cap: keep its first LiteralCap bytes, hash all of it (the capture side's job).
        var hash = literalHashes.TryGetValue(literal.Offset, out var h)
            ? h
            : literalHashes[literal.Offset] = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(bytes);
        var keep = (int)Math.Clamp(literal.Offset + LiteralCap - offset, 0, bytes.Length);
        PublishRaw(direction, offset, bytes[..keep]);
        if (offset + bytes.Length == literal.Offset + literal.Length)
        {
            literalHashes.Remove(literal.Offset);
            Publish(new LiteralTruncated
            {
                SessionId = SessionId, Time = Now, Elapsed = elapsed, Source = SourceOf(direction), Offset = literal.Offset,
                LiteralOffset = literal.Offset, Length = literal.Length, Kept = LiteralCap,
                Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()),
            });
            hash.Dispose();
        }
    }

    private void PublishRaw(Direction direction, long offset, ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i += RawChunkSize)
        {
            var chunk = bytes.Slice(i, Math.Min(RawChunkSize, bytes.Length - i));
            // Raw chunks carry no sequence number: they are not part of the numbered event stream.
            var raw = new RawBytes
            {
                SessionId = SessionId, Time = Now, Elapsed = elapsed, Source = SourceOf(direction), Offset = offset + i,
                Data = chunk.ToArray(),
            };
            Published.Add(raw);
            if (!bus.Publish(raw)) throw new InvalidOperationException("the store's queue is full");
        }
    }

    private void Publish(SessionEvent e)
    {
        elapsed += TimeSpan.FromMilliseconds(1);
        e = e with { Sequence = ++sequence, Time = Start + elapsed, Elapsed = elapsed };
        Published.Add(e);
        if (!bus.Publish(e)) throw new InvalidOperationException("the store's queue is full");
    }

    private DateTimeOffset Now => Start + elapsed;

    private static EventSource SourceOf(Direction direction) => direction == Direction.Client ? EventSource.Client : EventSource.Server;
}
