using System.Text;
using BenchmarkDotNet.Attributes;
using ImapProxy.Protocol;
using ImapProxy.Recording;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;

namespace ImapProxy.Bench;

/// <summary>
/// What the relay does besides relaying for one NOOP round trip of a selected session, as Dovecot answers it: the
/// client's command and the server's completion, each fed as one chunk. Three steps of the same work, so each
/// step's share shows: the parser alone, the recording (events, findings) with nobody listening, and the recording
/// publishing to the proxy's two subscribers (the store and the dashboard), drained on the same thread.
/// </summary>
[MemoryDiagnoser]
public class NoopRoundTripBenchmarks
{
    private static readonly byte[] Command = Encoding.ASCII.GetBytes("a9 NOOP\r\n");
    private static readonly byte[] Completion = Encoding.ASCII.GetBytes("a9 OK NOOP completed (0.001 + 0.000 secs).\r\n");

    private static readonly (Direction, string)[] Opening =
    [
        (Direction.Server, "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n"),
        (Direction.Client, "a1 LOGIN bob secret\r\n"),
        (Direction.Server, "a1 OK [CAPABILITY IMAP4rev1 IDLE NAMESPACE UIDPLUS COMPRESS=DEFLATE] Logged in\r\n"),
        (Direction.Client, "a2 SELECT INBOX\r\n"),
        (Direction.Server, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 200 EXISTS\r\n* 0 RECENT\r\n" +
                           "* OK [UIDVALIDITY 1733000000] UIDs valid\r\n* OK [UIDNEXT 201] Predicted next UID\r\n" +
                           "a2 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"),
    ];

    private ImapSessionParser parser = null!;
    private SessionRecording quietRecording = null!;
    private SessionRecording publishingRecording = null!;
    private EventBus.Subscription store = null!;
    private EventBus.Subscription dashboard = null!;

    [GlobalSetup]
    public void Setup()
    {
        parser = new ImapSessionParser(new CountingSink());
        foreach (var (direction, text) in Opening) parser.Feed(direction, Encoding.ASCII.GetBytes(text));

        quietRecording = Open(new EventBus());

        // The proxy's subscribers, with the proxy's limits (StorageOptions, LiveFeed).
        var bus = new EventBus();
        store = bus.Subscribe("store", 1_000_000, essential: true, maxBytes: 64L * 1024 * 1024);
        dashboard = bus.Subscribe("dashboard", 20_000, maxBytes: 64L * 1024 * 1024);
        publishingRecording = Open(bus);
        Drain();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        quietRecording.Dispose();
        publishingRecording.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int Parse() => parser.Feed(Direction.Client, Command) + parser.Feed(Direction.Server, Completion);

    [Benchmark]
    public int Record() => RoundTrip(quietRecording);

    [Benchmark]
    public int RecordAndPublish()
    {
        var consumed = RoundTrip(publishingRecording);
        Drain();
        return consumed;
    }

    private static int RoundTrip(SessionRecording recording) =>
        recording.Feed(Direction.Client, Command).Consumed + recording.Feed(Direction.Server, Completion).Consumed;

    private void Drain()
    {
        while (store.Reader.TryRead(out _)) { }
        while (dashboard.Reader.TryRead(out _)) { }
    }

    private static SessionRecording Open(EventBus bus)
    {
        var recording = new SessionRecording(1, new SessionOpened
        {
            Source = EventSource.Proxy, ClientAddress = "127.0.0.1:50000", ListenerAddress = "127.0.0.1:1143",
            Listener = ListenerKind.Plain, Upstream = "127.0.0.1:143",
        }, bus, TimeProvider.System, SessionRecording.DefaultLiteralLimit);
        foreach (var (direction, text) in Opening) recording.Feed(direction, Encoding.ASCII.GetBytes(text));
        return recording;
    }
}
