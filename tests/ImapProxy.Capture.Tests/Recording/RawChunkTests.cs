using System.Buffers;
using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Recording;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using Microsoft.Extensions.Time.Testing;

namespace ImapProxy.Capture.Tests.Recording;

/// <summary>How a session's bytes leave the recording as <see cref="RawBytes"/> chunks, and how pooled chunks go back.</summary>
public class RawChunkTests
{
    private const int Chunk = 64 * 1024;
    private static readonly byte[] Greeting = "* OK ready\r\n"u8.ToArray();

    [Fact]
    public void ATransfersBody_ReadInTlsRecordSizedPieces_LeavesInWholeChunks_AndEveryByteInOrder()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 100_000, essential: true);
        using var tap = new SessionRecording(1, SessionRecordingTests.Opened, bus, TimeProvider.System, literalLimit: 16 * 1024 * 1024);
        var body = new byte[200_000];
        new Random(5).NextBytes(body);
        var header = Encoding.ASCII.GetBytes($"* 1 FETCH (BODY[] {{{body.Length}}}\r\n");
        var trailer = ")\r\na1 OK done\r\n"u8.ToArray();

        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 FETCH 1 BODY[]\r\n"u8);
        tap.Feed(Direction.Server, header);
        // 4 KiB at a time: what one TLS record from Dovecot yields per read.
        for (var i = 0; i < body.Length; i += 4096) tap.Feed(Direction.Server, body.AsSpan(i, Math.Min(4096, body.Length - i)));
        tap.Feed(Direction.Server, trailer);
        var server = Drain(store).OfType<RawBytes>().Where(r => r.Source == EventSource.Server).ToList();

        // The greeting and the header line each went out as their reads ended; the body in 64 KiB chunks, not 49
        // pieces; then the FETCH response's end, as its frame ends, and the tagged OK.
        Assert.Equal([Greeting.Length, header.Length, Chunk, Chunk, Chunk, body.Length - 3 * Chunk, 3, trailer.Length - 3],
            server.Select(r => r.Data.Length));
        Assert.Equal([.. Greeting, .. header, .. body, .. trailer], server.SelectMany(r => r.Data));
        // Whole chunks are the pool's buffers, lent: their readers give them back. Shorter ones are arrays of their own.
        Assert.All(server, r => Assert.Equal(r.Data.Length == Chunk, r.Lease is not null));
        Assert.Equal(Enumerable.Range(0, server.Count).Select(i => server.Take(i).Sum(r => (long)r.Data.Length)), server.Select(r => r.Offset!.Value));
    }

    [Fact]
    public void AReadAcrossAChunksEnd_ContinuesTheNextChunkAtTheRightOffset()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 100_000, essential: true);
        using var tap = new SessionRecording(1, SessionRecordingTests.Opened, bus, TimeProvider.System, literalLimit: 16 * 1024 * 1024);
        var body = new byte[150_000];
        new Random(7).NextBytes(body);
        var header = Encoding.ASCII.GetBytes($"* 1 FETCH (BODY[] {{{body.Length}}}\r\n");

        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 FETCH 1 BODY[]\r\n"u8);
        tap.Feed(Direction.Server, header);
        // Reads that each cross a 64 KiB chunk's end.
        tap.Feed(Direction.Server, body.AsSpan(0, 100_000));
        tap.Feed(Direction.Server, [.. body.AsSpan(100_000), .. ")\r\na1 OK done\r\n"u8]);
        var server = Drain(store).OfType<RawBytes>().Where(r => r.Source == EventSource.Server).ToList();

        // Each chunk starts where the one before it ended: the offsets are the stream's positions.
        Assert.Equal(Enumerable.Range(0, server.Count).Select(i => server.Take(i).Sum(r => (long)r.Data.Length)), server.Select(r => r.Offset!.Value));
        Assert.Equal([.. Greeting, .. header, .. body, .. ")\r\na1 OK done\r\n"u8], server.SelectMany(r => r.Data));
        Assert.Contains(server, r => r.Data.Length == Chunk && r.Offset != Greeting.Length + header.Length);
    }

    [Fact]
    public void ASessionThatStopsInTheMiddleOfALiteral_HoldsItsLastBytesOnlyUntilItCloses()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 100_000, essential: true);
        // A clock that does not move: only the close sends the held bytes.
        var tap = new SessionRecording(1, SessionRecordingTests.Opened, bus, new FakeTimeProvider(), literalLimit: 16 * 1024 * 1024);
        var sent = new byte[10_000];
        new Random(6).NextBytes(sent);

        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 APPEND INBOX {100000+}\r\n"u8);
        tap.Feed(Direction.Client, sent.AsSpan(0, 6_000));
        tap.Feed(Direction.Client, sent.AsSpan(6_000));
        // The rest of the literal is on its way: its bytes wait for it, in one chunk.
        Assert.Equal("a1 APPEND INBOX {100000+}\r\n", Encoding.ASCII.GetString(BytesFrom(EventSource.Client, Drain(store))));

        tap.Close(CloseReason.ClientReset, "the client went away");
        var atClose = Drain(store);
        var last = Assert.Single(atClose.OfType<RawBytes>());
        Assert.Equal(sent, last.Data);
        Assert.Equal(27, last.Offset);
        Assert.IsType<SessionClosed>(atClose[^1]);
    }

    /// <summary>A server that announced more than it sent: the client hangs, and the user looks for the last bytes.</summary>
    [Fact]
    public void ABodyThatStalls_ShowsItsHeldBytes_AMomentAfterTheyBeganToWait()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 100_000, essential: true);
        var clock = new FakeTimeProvider();
        using var tap = new SessionRecording(1, SessionRecordingTests.Opened, bus, clock, literalLimit: 16 * 1024 * 1024);
        var header = "* 1 FETCH (BODY[] {50000}\r\n"u8.ToArray();
        var sent = new byte[30_000];
        new Random(7).NextBytes(sent);

        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Server, [.. header, .. sent.AsSpan(0, 10_000)]);
        clock.Advance(SessionRecording.HeldAtMost / 2);
        tap.Feed(Direction.Server, sent.AsSpan(10_000));
        clock.Advance(SessionRecording.HeldAtMost / 2 - TimeSpan.FromMilliseconds(1));
        Assert.Equal(Greeting, BytesFrom(EventSource.Server, Drain(store)));

        // Counted from the first byte held, not the last: a slow trickle cannot hold its bytes for ever.
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var held = Assert.Single(Drain(store).OfType<RawBytes>());
        Assert.Equal([.. header, .. sent], held.Data);
        Assert.Equal(Greeting.Length, held.Offset);

        // The transfer goes on: its next bytes wait again, and go out the same way.
        tap.Feed(Direction.Server, sent.AsSpan(0, 5_000));
        Assert.Empty(Drain(store));
        clock.Advance(SessionRecording.HeldAtMost);
        Assert.Equal(sent[..5_000], Assert.Single(Drain(store).OfType<RawBytes>()).Data);
    }

    /// <summary>Past what a cut literal keeps, nothing more of it will be kept: its first bytes need not wait for the rest.</summary>
    [Fact]
    public void ALiteralCutAtTheCap_DoesNotHoldWhatItKeeps_UntilItsEnd()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 100_000, essential: true);
        using var tap = new SessionRecording(1, SessionRecordingTests.Opened, bus, new FakeTimeProvider(), literalLimit: 100);
        var header = "* 1 FETCH (BODY[] {50000}\r\n"u8.ToArray();
        var body = new byte[4096];
        new Random(8).NextBytes(body);

        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Server, [.. header, .. body.AsSpan(0, 60)]);
        // Within what the cap keeps, more is to come: held.
        Assert.Equal(Greeting, BytesFrom(EventSource.Server, Drain(store)));
        tap.Feed(Direction.Server, body.AsSpan(60));

        Assert.Equal([.. header, .. body[..100]], BytesFrom(EventSource.Server, Drain(store)));
    }

    [Fact]
    public void APooledChunk_PublishedAgainAfterItsBufferWentBack_IsRefused()
    {
        var pool = new CountingPool();
        var bus = new EventBus();
        var (_, chunk) = pool.Chunk();
        bus.Publish(chunk); // nobody took it: back in its pool

        Assert.Throws<InvalidOperationException>(() => bus.Publish(chunk with { Offset = 16 }));
        Assert.Single(pool.Returned);
    }

    [Fact]
    public void APooledChunk_GoesBackToItsPool_OnlyOnceEveryQueueThatTookItIsDone()
    {
        var pool = new CountingPool();
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 10, essential: true);
        using var browser = bus.Subscribe("dashboard", 10);

        var (buffer, chunk) = pool.Chunk();
        bus.Publish(chunk);
        Assert.True(store.Reader.TryRead(out _));
        chunk.Lease!.Release();
        Assert.Empty(pool.Returned); // the dashboard's queue still holds it

        Assert.True(browser.Reader.TryRead(out _));
        chunk.Lease.Release();
        Assert.Same(buffer, Assert.Single(pool.Returned));

        // A reader that releases twice cannot hand the buffer out a second time.
        chunk.Lease.Release();
        Assert.Single(pool.Returned);
    }

    [Fact]
    public void APooledChunk_NobodyTookOrAReaderKeeps_IsReturnedAtOnce_OrNever()
    {
        var pool = new CountingPool();
        var bus = new EventBus();

        // No queue took it (nobody subscribed, or every queue was full): back as soon as it was offered.
        var (unread, first) = pool.Chunk();
        bus.Publish(first);
        Assert.Same(unread, Assert.Single(pool.Returned));

        // A queue that took it and never says it is done keeps it: the buffer is then the garbage collector's.
        using var keeper = bus.Subscribe("lint", 10, essential: true);
        using var full = bus.Subscribe("full", 1);
        bus.Publish(new ProxyAction { SessionId = 1, Source = EventSource.Proxy, Action = "test", Description = "fills the one place" });
        var (_, second) = pool.Chunk();
        bus.Publish(second);
        Assert.Equal(1, full.Dropped);
        Assert.Single(pool.Returned);
    }

    /// <summary>One direction's raw bytes among <paramref name="events"/>, in order.</summary>
    private static byte[] BytesFrom(EventSource source, IEnumerable<SessionEvent> events) =>
        events.OfType<RawBytes>().Where(r => r.Source == source).SelectMany(r => r.Data).ToArray();

    private static List<SessionEvent> Drain(EventBus.Subscription subscription) => SessionRecordingTests.Drain(subscription);

    /// <summary>A pool that says what came back to it.</summary>
    private sealed class CountingPool : ArrayPool<byte>
    {
        public List<byte[]> Returned { get; } = [];

        public (byte[] Buffer, RawBytes Chunk) Chunk()
        {
            var buffer = new byte[16];
            return (buffer, new RawBytes
            {
                SessionId = 1, Source = EventSource.Server, Offset = 0, Data = buffer, Lease = new RawChunkLease(buffer, this),
            });
        }

        public override byte[] Rent(int minimumLength) => new byte[minimumLength];

        public override void Return(byte[] array, bool clearArray = false) => Returned.Add(array);
    }
}
