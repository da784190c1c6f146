using System.Security.Cryptography;
using System.Text;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Recording;
using ImapProxy.Protocol;

namespace ImapProxy.Capture.Tests.Recording;

public class SessionRecordingTests
{
    private static readonly byte[] Greeting = "* OK ready\r\n"u8.ToArray();

    [Fact]
    public void Session_IsNumberedInOrder_WithLatencyAndRawBytes()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 1000, essential: true);
        var time = new ReplayClock(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        using var tap = new SessionRecording(7, Opened, bus, time, literalLimit: 1024);

        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 NOOP\r\n"u8);
        time.Advance(TimeSpan.FromMilliseconds(250));
        tap.Feed(Direction.Server, "a1 OK done\r\n"u8);
        var events = Drain(store);

        Assert.All(events, e => Assert.Equal(7, e.SessionId));
        var numbered = events.Where(e => e is not RawBytes).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, numbered.Count).Select(i => (long)i), numbered);
        var completed = Assert.Single(events.OfType<CommandCompleted>());
        Assert.Equal(("NOOP", ResponseStatus.Ok, TimeSpan.FromMilliseconds(250)), (completed.Command, completed.Status, completed.Latency));
        var serverRaw = events.OfType<RawBytes>().Where(r => r.Source == EventSource.Server).SelectMany(r => r.Data).ToArray();
        Assert.Equal("* OK ready\r\na1 OK done\r\n", Encoding.ASCII.GetString(serverRaw));
    }

    [Fact]
    public void LiteralBytesToCome_IsWhatTheLiteralBeingReceivedHasYetToCarry_AndNothingOnceDeflated()
    {
        using var recorded = new Recorded();
        var tap = recorded.Tap;

        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 APPEND INBOX {5000+}\r\n"u8);
        Assert.Equal(0, tap.LiteralBytesToCome(Direction.Client)); // its first byte starts it
        tap.Feed(Direction.Client, new byte[1200]);
        // Past the capture cap (1024) all the same: the relay forwards every byte of it.
        Assert.Equal(3800, tap.LiteralBytesToCome(Direction.Client));
        tap.Feed(Direction.Server, "* 1 FETCH (BODY[] {300}\r\n"u8);
        tap.Feed(Direction.Server, new byte[100]);
        Assert.Equal((3800, 200), (tap.LiteralBytesToCome(Direction.Client), tap.LiteralBytesToCome(Direction.Server)));
        tap.Feed(Direction.Client, new byte[3800]);
        tap.Feed(Direction.Server, [.. new byte[200], .. ")\r\n"u8]);
        Assert.Equal((0, 0), (tap.LiteralBytesToCome(Direction.Client), tap.LiteralBytesToCome(Direction.Server)));

        // RFC 4978: after COMPRESS, a literal's bytes may come in fewer on the wire.
        tap.Feed(Direction.Client, "\r\na2 COMPRESS DEFLATE\r\n"u8);
        tap.Feed(Direction.Server, "a2 OK DEFLATE active\r\n"u8);
        tap.Feed(Direction.Server, Deflated([.. "* 2 FETCH (BODY[] {300}\r\n"u8, .. new byte[100]]));
        Assert.Equal(0, tap.LiteralBytesToCome(Direction.Server));
    }

    private static byte[] Deflated(byte[] plain)
    {
        using var output = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(plain);
            deflate.Flush();
        }
        return output.ToArray();
    }

    [Fact]
    public void LiteralAboveTheLimit_KeepsItsStart_AndRecordsSizeAndHash()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 10_000, essential: true);
        using var tap = new SessionRecording(1, Opened, bus, TimeProvider.System, literalLimit: 100);
        var body = new byte[5000];
        new Random(3).NextBytes(body);

        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 FETCH 1 BODY[]\r\n"u8);
        tap.Feed(Direction.Server, Encoding.ASCII.GetBytes($"* 1 FETCH (BODY[] {{{body.Length}}}\r\n"));
        for (var i = 0; i < body.Length; i += 333) tap.Feed(Direction.Server, body.AsSpan(i, Math.Min(333, body.Length - i)));
        tap.Feed(Direction.Server, ")\r\na1 OK done\r\n"u8);
        var events = Drain(store);

        var cut = Assert.Single(events.OfType<LiteralTruncated>());
        Assert.Equal((5000L, 100L), (cut.Length, cut.Kept));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), cut.Sha256);
        var stored = events.OfType<RawBytes>().Where(r => r.Source == EventSource.Server).Sum(r => r.Data.Length);
        Assert.Equal(Greeting.Length + $"* 1 FETCH (BODY[] {{{body.Length}}}\r\n".Length + 100 + ")\r\na1 OK done\r\n".Length, stored);
    }

    [Fact]
    public void StoreFallingBehind_DropsAndCounts_ThenSaysCaptureIncomplete()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 4, essential: true);
        using var tap = new SessionRecording(1, Opened, bus, TimeProvider.System, literalLimit: 1024);

        // Nobody reads: the queue of 4 fills and the rest is dropped, without the tap ever waiting.
        tap.Feed(Direction.Server, Greeting);
        for (var i = 0; i < 50; i++) tap.Feed(Direction.Client, Encoding.ASCII.GetBytes($"a{i} NOOP\r\n"));
        Assert.True(tap.DroppedEvents > 0);

        Drain(store);
        tap.Feed(Direction.Client, "b1 NOOP\r\n"u8);
        var after = Drain(store);

        var notice = Assert.Single(after.OfType<CaptureIncomplete>());
        Assert.True(notice.DroppedEvents >= tap.DroppedEvents - 1);
        Assert.Equal(store.Dropped, tap.DroppedEvents);
    }

    [Fact]
    public void DropNotices_AddUpToExactlyWhatWasLost_AndTheCloseIsNeverDropped()
    {
        // Before: each notice carried the running total and the store added them up (7.6k lost, 56,820 reported).
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 8, essential: true);
        var tap = new SessionRecording(1, Opened, bus, TimeProvider.System, literalLimit: 1024);
        var seen = new List<SessionEvent>();
        tap.Feed(Direction.Server, Greeting);
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 30; i++) tap.Feed(Direction.Client, Encoding.ASCII.GetBytes($"a{round}x{i} NOOP\r\n"));
            seen.AddRange(Drain(store));
        }
        for (var i = 0; i < 30; i++) tap.Feed(Direction.Client, Encoding.ASCII.GetBytes($"z{i} NOOP\r\n"));

        tap.Close(CloseReason.ClientClosed, "bye"); // the queue is full: the close and the last notice still get in
        seen.AddRange(Drain(store));

        Assert.True(tap.DroppedEvents > 100);
        Assert.Equal(tap.DroppedEvents, seen.OfType<CaptureIncomplete>().Sum(n => n.DroppedEvents));
        Assert.Equal(store.Dropped, tap.DroppedEvents);
        Assert.IsType<SessionClosed>(seen[^1]);
    }

    [Fact]
    public void ManySmallResponses_FitTheDefaultBudget_WithoutADrop()
    {
        // An ordinary FETCH 1:* (FLAGS) on a big mailbox: 100,000 responses in about 5 MB, while the store reads nothing.
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 1_000_000, essential: true, maxBytes: 64L * 1024 * 1024);
        using var tap = new SessionRecording(1, Opened, bus, TimeProvider.System, literalLimit: 1024);
        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 FETCH 1:* (FLAGS)\r\n"u8);
        var burst = new StringBuilder();
        for (var n = 1; n <= 100_000; n++) burst.Append($"* {n} FETCH (FLAGS (\\Seen))\r\n");
        burst.Append("a1 OK done\r\n");

        tap.Feed(Direction.Server, Encoding.ASCII.GetBytes(burst.ToString()));

        Assert.Equal(0, tap.DroppedEvents);
    }

    [Fact]
    public void StoreFallingBehind_LetsALiteralsBodyGo_BeforeAnyFrame()
    {
        // A 1 MiB budget, already half full: a 2 MiB message arrives. Its body goes (size and hash kept), every frame stays.
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 100_000, essential: true, maxBytes: 1024 * 1024);
        using var tap = new SessionRecording(1, Opened, bus, TimeProvider.System, literalLimit: 16 * 1024 * 1024);
        tap.Feed(Direction.Server, Greeting);
        var filler = new string('x', 600 * 1024);
        tap.Feed(Direction.Client, Encoding.ASCII.GetBytes($"a0 APPEND INBOX {{{filler.Length}+}}\r\n{filler}\r\n"));
        var body = new byte[2 * 1024 * 1024];
        new Random(5).NextBytes(body);

        tap.Feed(Direction.Client, "a1 FETCH 1 BODY[]\r\n"u8);
        tap.Feed(Direction.Server, Encoding.ASCII.GetBytes($"* 1 FETCH (BODY[] {{{body.Length}}}\r\n"));
        for (var i = 0; i < body.Length; i += 64 * 1024) tap.Feed(Direction.Server, body.AsSpan(i, 64 * 1024));
        tap.Feed(Direction.Server, ")\r\na1 OK done\r\n"u8);
        var events = Drain(store);

        Assert.Equal(0, tap.DroppedEvents);
        var cut = Assert.Single(events.OfType<LiteralTruncated>());
        Assert.Equal((TruncationCause.StoreBehind, 0L, (long)body.Length), (cut.Cause, cut.Kept, cut.Length));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), cut.Sha256);
        Assert.Contains(events, e => e is CommandCompleted { Tag: "a1" });
    }

    [Fact]
    public async Task AFeederThatWaitsForTheStore_KeepsALiteralThatStartsPastHalf_UnlessTheStoreIsStalled()
    {
        // The relay waited for room before this chunk, yet the chunk itself took the queue past half before a new
        // literal began: the literal is kept. Once the store is stalled (no room within the patience), it is not.
        var (bus, store, tap) = WaitingFeeder(fillerKiB: 600, patience: TimeSpan.FromMilliseconds(1));
        var body = new byte[100 * 1024];
        new Random(6).NextBytes(body);
        var header = Encoding.ASCII.GetBytes($"* 1 FETCH (BODY[] {{{body.Length}}}\r\n");
        byte[] Fetch(string tag) => [.. header, .. body, .. Encoding.ASCII.GetBytes($")\r\n{tag} OK done\r\n")];

        tap.Feed(Direction.Client, "a1 FETCH 1 BODY[]\r\n"u8);
        tap.Feed(Direction.Server, Fetch("a1"));
        Assert.True(bus.Pressure >= EventBus.RoomBelow);

        await bus.WaitForRoomAsync(CancellationToken.None); // nothing reads the store: after the patience, stalled
        Assert.True(bus.StoreStalled);
        tap.Feed(Direction.Client, "a2 FETCH 1 BODY[]\r\n"u8);
        tap.Feed(Direction.Server, Fetch("a2"));
        var events = Drain(store);

        Assert.Equal(0, tap.DroppedEvents);
        // Only the second body went; the first is in the server's stream whole.
        var cut = Assert.Single(events.OfType<LiteralTruncated>());
        Assert.Equal((TruncationCause.StoreBehind, 0L, Greeting.Length + Fetch("a1").Length + header.Length), (cut.Cause, cut.Kept, cut.Offset));
        Assert.Equal(Greeting.Length + Fetch("a1").Length + Fetch("a2").Length - body.Length,
            events.OfType<RawBytes>().Where(r => r.Source == EventSource.Server).Sum(r => r.Data.Length));
    }

    [Fact]
    public void AFeederThatWaitsForTheStore_StillLetsALiteralGo_WhenTheQueueIsNearlyFull()
    {
        // Many sessions woken together each feed a chunk before the next look: past 90 % a body goes even for them,
        // so that the frames still fit and nothing is dropped.
        var (bus, store, tap) = WaitingFeeder(fillerKiB: 950, patience: TimeSpan.FromMinutes(10));
        Assert.True(bus.Pressure >= EventBus.NearlyFull);

        tap.Feed(Direction.Client, "a1 FETCH 1 BODY[]\r\n"u8);
        tap.Feed(Direction.Server, [.. Encoding.ASCII.GetBytes("* 1 FETCH (BODY[] {200000}\r\n"), .. new byte[200_000], .. ")\r\na1 OK done\r\n"u8]);
        var events = Drain(store);

        Assert.Equal(0, tap.DroppedEvents);
        Assert.Equal(TruncationCause.StoreBehind, Assert.Single(events.OfType<LiteralTruncated>()).Cause);
        Assert.Contains(events, e => e is CommandCompleted { Tag: "a1" });
    }

    [Fact]
    public void NonEssentialSubscriber_FallingBehind_DoesNotMarkTheCaptureIncomplete()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 10_000, essential: true);
        using var browser = bus.Subscribe("browser", 1);
        using var tap = new SessionRecording(1, Opened, bus, TimeProvider.System, literalLimit: 1024);

        tap.Feed(Direction.Server, Greeting);
        for (var i = 0; i < 20; i++) tap.Feed(Direction.Client, Encoding.ASCII.GetBytes($"a{i} NOOP\r\n"));

        Assert.Equal(0, tap.DroppedEvents);
        Assert.True(browser.Dropped > 0);
        Assert.DoesNotContain(Drain(store), e => e is CaptureIncomplete);
    }

    [Fact]
    public void Lifecycle_OneOpenedFirst_OneClosedLast_WhateverTheCallerDoes()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 1000, essential: true);
        var tap = new SessionRecording(3, Opened, bus, TimeProvider.System, literalLimit: 1024);
        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 NOOP\r\n"u8);

        tap.Close(CloseReason.ClientClosed, "bye");
        tap.Close(CloseReason.ServerClosed, "again");
        tap.Feed(Direction.Server, "a1 OK late\r\n"u8);
        tap.Publish(new ProxyAction { Source = EventSource.Proxy, Action = "late", Description = "after the close" });
        tap.Dispose();
        var events = Drain(store).Where(e => e is not RawBytes).ToList();

        Assert.IsType<SessionOpened>(events[0]);
        var closed = Assert.Single(events.OfType<SessionClosed>());
        Assert.Same(closed, events[^1]);
        Assert.Equal((CloseReason.ClientClosed, "bye"), (closed.Reason, closed.Detail));
        // What was fed before the close is counted; the unanswered NOOP is reported as such, not as a late OK.
        Assert.Equal(("a1 NOOP\r\n".Length, Greeting.Length), (closed.ClientBytes, closed.ServerBytes));
        Assert.DoesNotContain(events, e => e is ProxyAction { Action: "late" });
    }

    [Fact]
    public void Feed_SaysWhenTheServerRefusesStartTls_NotWhenItTalksOfSomethingElse()
    {
        using var tap = new SessionRecording(6, Opened, new EventBus(), TimeProvider.System, literalLimit: 1024);
        tap.Feed(Direction.Server, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"u8);

        Assert.True(tap.Feed(Direction.Client, "a1 STARTTLS\r\n"u8).StartTlsPending);
        var untagged = tap.Feed(Direction.Server, "* 1 EXISTS\r\n"u8);
        Assert.Equal((true, false), (untagged.StartTlsPending, untagged.StartTlsRefused));
        var refusal = tap.Feed(Direction.Server, "a1 NO [UNAVAILABLE] not now\r\n"u8);
        Assert.Equal((false, true, false), (refusal.StartTlsPending, refusal.StartTlsRefused, refusal.TlsStarted));
        Assert.False(tap.Feed(Direction.Server, "* 2 EXISTS\r\n"u8).StartTlsRefused);

        tap.Feed(Direction.Client, "a2 STARTTLS\r\n"u8);
        var accepted = tap.Feed(Direction.Server, "a2 OK go\r\n"u8);
        Assert.Equal((true, false), (accepted.TlsStarted, accepted.StartTlsRefused));
    }

    [Fact]
    public void SaslResponseToAMuteServer_IsStoredRedacted_WhenTheSessionCloses()
    {
        // "\0alice\0secret" (RFC 4616), sent before the "+" that never came: Dovecot's auth process stalled.
        const string response = "AGFsaWNlAHNlY3JldA==";
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 1000, essential: true);
        var tap = new SessionRecording(8, Opened, bus, TimeProvider.System, literalLimit: 1024);
        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 AUTHENTICATE PLAIN\r\n"u8);
        tap.Feed(Direction.Client, Encoding.ASCII.GetBytes(response + "\r\n"));

        tap.Close(CloseReason.ServerClosed, "timeout");
        var events = Drain(store);

        var clientRaw = Encoding.ASCII.GetString(events.OfType<RawBytes>().Where(r => r.Source == EventSource.Client).SelectMany(r => r.Data).ToArray());
        Assert.Equal("a1 AUTHENTICATE PLAIN\r\n" + new string('*', response.Length) + "\r\n", clientRaw);
        Assert.All(events, e => Assert.DoesNotContain(response, EventJson.Write(e), StringComparison.Ordinal));
    }

    [Fact]
    public void Dispose_WithoutClose_ClosesAsAProxyError()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 1000, essential: true);
        using (var tap = new SessionRecording(4, Opened, bus, TimeProvider.System, literalLimit: 1024))
            tap.Feed(Direction.Server, Greeting);

        var closed = Assert.Single(Drain(store).OfType<SessionClosed>());
        Assert.Equal(CloseReason.ProxyError, closed.Reason);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Publish_RefusesLifecycleEvents(bool opened)
    {
        using var tap = new SessionRecording(5, Opened, new EventBus(), TimeProvider.System, literalLimit: 1024);
        SessionEvent e = opened ? Opened
            : new SessionClosed { Source = EventSource.Proxy, Reason = CloseReason.ClientClosed, Detail = "", ClientBytes = 0, ServerBytes = 0 };

        Assert.Throws<ArgumentException>(() => tap.Publish(e));
    }

    [Fact]
    public void EachFrame_IsSaidToComeFromItsSide()
    {
        using var recorded = new Recorded();

        recorded.GreetingAndNoop();

        var frames = recorded.Drain().OfType<FrameParsed>().ToList();
        Assert.Equal(EventSource.Client, Assert.Single(frames, f => f.Frame is CommandFrame).Source);
        Assert.All(frames.Where(f => f.Frame is ResponseFrame), f => Assert.Equal(EventSource.Server, f.Source));
        Assert.Equal(2, frames.Count(f => f.Frame is ResponseFrame));
    }

    [Fact]
    public void TheClose_CarriesTheRelaysByteCounts_ComesLast_AndAfterItNothingIsRecorded()
    {
        using var recorded = new Recorded();
        var tap = recorded.Tap;
        recorded.GreetingAndNoop();

        // The relay's counts, which can differ from what was parsed (a fault rule altered what the client received).
        tap.Close(CloseReason.ClientClosed, "bye", clientBytes: 123, serverBytes: 4567);
        var afterClose = tap.Feed(Direction.Client, "a2 STARTTLS\r\n"u8);

        var events = recorded.Drain();
        var closed = Assert.IsType<SessionClosed>(events.Where(e => e is not RawBytes).Last());
        Assert.Equal((CloseReason.ClientClosed, "bye", 123L, 4567L), (closed.Reason, closed.Detail, closed.ClientBytes, closed.ServerBytes));
        Assert.Equal(events.Where(e => e is not RawBytes).Max(e => e.Sequence), closed.Sequence);
        Assert.Equal(events.Where(e => e is not RawBytes and not SessionClosed).Max(e => e.Sequence) + 1, closed.Sequence);
        Assert.False(afterClose.StartTlsPending);
        Assert.DoesNotContain(events.OfType<FrameParsed>(), f => f.Frame is CommandFrame { Tag: "a2" });
    }

    [Fact]
    public void WithoutTheRelaysCounts_TheCloseCountsWhatWasFed()
    {
        using var recorded = new Recorded();
        var tap = recorded.Tap;
        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 NOOP\r\n"u8);

        tap.Close(CloseReason.EndOfRecording, "end");

        var closed = recorded.Drain().OfType<SessionClosed>().Single();
        Assert.Equal((9L, (long)Greeting.Length), (closed.ClientBytes, closed.ServerBytes));
    }

    [Fact]
    public void ACommandTheServerNeverAnswered_IsAFindingBeforeTheClose()
    {
        using var recorded = new Recorded();
        var tap = recorded.Tap;
        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 LOGIN alice secret\r\n"u8);

        tap.Close(CloseReason.ServerClosed, "gone");

        var events = recorded.Drain().Where(e => e is not RawBytes).ToList();
        var unanswered = Assert.Single(events.OfType<FindingReported>(), f => f.Rule == "command-unanswered");
        Assert.True(events.IndexOf(unanswered) < events.FindIndex(e => e is SessionClosed));
        Assert.Contains(events.OfType<FrameParsed>().Single(f => f.Frame is CommandFrame).Sequence, unanswered.Evidence);
        // Numbered in the order recorded, each number once.
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
    }

    [Fact]
    public void ALiteralOfExactlyTheCaptureCap_IsKeptWhole()
    {
        using var recorded = new Recorded();
        var tap = recorded.Tap;
        var body = Enumerable.Repeat((byte)'m', 1024).ToArray();

        tap.Feed(Direction.Server, Greeting);
        tap.Feed(Direction.Client, "a1 FETCH 1 BODY[]\r\n"u8);
        tap.Feed(Direction.Server, [.. "* 1 FETCH (BODY[] {1024}\r\n"u8, .. body, .. ")\r\na1 OK done\r\n"u8]);

        var events = recorded.Drain();
        Assert.Empty(events.OfType<LiteralTruncated>());
        var server = events.OfType<RawBytes>().Where(r => r.Source == EventSource.Server).SelectMany(r => r.Data).ToArray();
        Assert.Equal([.. Greeting, .. "* 1 FETCH (BODY[] {1024}\r\n"u8, .. body, .. ")\r\na1 OK done\r\n"u8], server);
    }

    /// <summary>A recording on a bus whose store queue the test drains, disposed together.</summary>
    private sealed class Recorded : IDisposable
    {
        private readonly EventBus.Subscription store;

        public Recorded()
        {
            var bus = new EventBus();
            store = bus.Subscribe("store", 1000, essential: true);
            Tap = new SessionRecording(1, Opened, bus, TimeProvider.System, literalLimit: 1024);
        }

        public SessionRecording Tap { get; }

        public List<SessionEvent> Drain() => SessionRecordingTests.Drain(store);

        public void GreetingAndNoop()
        {
            Tap.Feed(Direction.Server, Greeting);
            Tap.Feed(Direction.Client, "a1 NOOP\r\n"u8);
            Tap.Feed(Direction.Server, "a1 OK done\r\n"u8);
        }

        public void Dispose()
        {
            Tap.Dispose();
            store.Dispose();
        }
    }

    internal static readonly SessionOpened Opened = new()
    {
        Source = EventSource.Proxy, ClientAddress = "c", ListenerAddress = "l", Listener = ListenerKind.Plain, Upstream = "u",
        UpstreamTls = UpstreamTlsMode.None, ClientTls = ClientTlsMode.Mirror,
    };

    /// <summary>
    /// A recording whose feeder waits for the store, on a 1 MiB store queue that nothing reads, filled by a client's
    /// APPEND of <paramref name="fillerKiB"/> KiB.
    /// </summary>
    private static (EventBus Bus, EventBus.Subscription Store, SessionRecording Tap) WaitingFeeder(int fillerKiB, TimeSpan patience)
    {
        var bus = new EventBus { StorePatience = patience };
        var store = bus.Subscribe("store", 100_000, essential: true, maxBytes: 1024 * 1024);
        var tap = new SessionRecording(1, Opened, bus, TimeProvider.System, literalLimit: 16 * 1024 * 1024, feederWaitsForStore: true);
        tap.Feed(Direction.Server, Greeting);
        var filler = new string('x', fillerKiB * 1024);
        tap.Feed(Direction.Client, Encoding.ASCII.GetBytes($"a0 APPEND INBOX {{{filler.Length}+}}\r\n{filler}\r\n"));
        return (bus, store, tap);
    }

    internal static List<SessionEvent> Drain(EventBus.Subscription subscription)
    {
        var events = new List<SessionEvent>();
        while (subscription.Reader.TryRead(out var e)) events.Add(e);
        return events;
    }
}
