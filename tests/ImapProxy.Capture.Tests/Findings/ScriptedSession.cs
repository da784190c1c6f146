using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Recording;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Recording.Findings;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// A session recorded from a script, as the relay records one: each step's bytes go through a real
/// <see cref="SessionRecording"/> (parser, findings engine, bus), on a clock the script moves.
/// </summary>
internal sealed class ScriptedSession : IDisposable
{
    private readonly EventBus bus = new();
    private readonly EventBus.Subscription store;
    private readonly ReplayClock clock = new(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));
    private readonly SessionRecording recording;
    private readonly List<SessionEvent> events = [];

    /// <param name="plaintextLegs">Both legs known to be without TLS (as the relay records them); otherwise the legs'
    /// TLS is unknown, as in a rawlog import, and credentials in clear are not judged.</param>
    /// <param name="mailboxes">Shared with other scripted sessions of the same proxy, as the relay's sessions share it.</param>
    public ScriptedSession(bool plaintextLegs = false, MailboxMemory? mailboxes = null, long sessionId = 1)
    {
        store = bus.Subscribe("store", 100_000, essential: true);
        recording = new SessionRecording(sessionId, new SessionOpened
        {
            Source = EventSource.Proxy, ClientAddress = "127.0.0.1:5000", ListenerAddress = "127.0.0.1:1143", Listener = ListenerKind.Plain,
            Upstream = "127.0.0.1:143", UpstreamTls = plaintextLegs ? UpstreamTlsMode.None : null, ClientTls = plaintextLegs ? ClientTlsMode.Mirror : null,
        }, bus, clock, literalLimit: 1 << 20, mailboxes: mailboxes);
    }

    /// <summary>
    /// A session logged in (as alice) with INBOX selected: the server announces <paramref name="capabilities"/> before
    /// and after login, and answers the SELECT with <paramref name="selectData"/> (untagged lines) before its OK.
    /// </summary>
    public static ScriptedSession Selected(string capabilities = "IMAP4rev1", string selectData = "* 3 EXISTS\r\n") => new ScriptedSession()
        .Server($"* OK [CAPABILITY {capabilities}] ready\r\n")
        .Client("a1 LOGIN alice secret\r\n")
        .Server($"a1 OK [CAPABILITY {capabilities}] Logged in\r\n")
        .Client("a2 SELECT INBOX\r\n")
        .Server($"{selectData}a2 OK [READ-WRITE] done\r\n");

    /// <summary>A message body of exactly <paramref name="length"/> bytes, ending in CRLF.</summary>
    public static string Body(int length) => new string('x', length - 2) + "\r\n";

    public ScriptedSession Server(string text) => Feed(Direction.Server, text);

    public ScriptedSession Client(string text) => Feed(Direction.Client, text);

    /// <summary>A leg's TLS handshake, as the relay reports it.</summary>
    public ScriptedSession Tls(TlsLeg leg, bool succeeded = true)
    {
        recording.Publish(new TlsHandshake { Source = EventSource.Proxy, Leg = leg, Succeeded = succeeded, Protocol = succeeded ? "Tls13" : null });
        Drain();
        return this;
    }

    public ScriptedSession Wait(TimeSpan span)
    {
        clock.Advance(span);
        return this;
    }

    /// <summary>The session ends; every event it recorded, findings included.</summary>
    public IReadOnlyList<SessionEvent> Close(CloseReason reason = CloseReason.ClientClosed)
    {
        recording.Close(reason, "scripted");
        Drain();
        return events;
    }

    /// <summary>The findings of the whole session, after it closed as <paramref name="reason"/>.</summary>
    public IReadOnlyList<FindingReported> Findings(CloseReason reason = CloseReason.ClientClosed) =>
        Close(reason).OfType<FindingReported>().ToList();

    /// <summary>The event a finding names as evidence.</summary>
    public SessionEvent At(long sequence) => events.Single(e => e.Sequence == sequence && e is not RawBytes);

    private ScriptedSession Feed(Direction direction, string text)
    {
        recording.Feed(direction, Encoding.Latin1.GetBytes(text));
        Drain();
        return this;
    }

    private void Drain()
    {
        while (store.Reader.TryRead(out var e)) events.Add(e);
    }

    public void Dispose()
    {
        recording.Dispose();
        store.Dispose();
    }
}
