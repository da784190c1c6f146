using System.Text;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Recording;
using ImapProxy.Protocol;

namespace ImapProxy.QueryBench;

/// <summary>
/// Synthetic sessions with the mix of a mail client's day, played through the real capture path
/// (<see cref="SessionRecording"/>: parser, raw chunks, completions with latency) onto a bus. Seeded, so every run
/// generates the same store. Rare things stay rare, so the filters range from "half the store" to "one session":
/// users alice (40%), bob (30%), carol (20%), 50 others, and zed once; 2% of commands fail; 0.5% are slow;
/// one FETCH in 1,000 has a quirk the parser flags; five literals over 1 MB in the whole store.
/// </summary>
internal sealed class Traffic(EventBus bus, int seed = 42)
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    private const long LiteralLimit = 16L * 1024 * 1024;
    private readonly Random random = new(seed);
    private int sessions;
    private int bigLiterals;

    /// <summary>Plays one session with id <paramref name="id"/>; its events are on the bus when this returns.</summary>
    public void Session(long id)
    {
        var index = sessions++;
        var clock = new ReplayClock(Start.AddSeconds(index * 3));
        var tls = random.NextDouble();
        using var tap = new SessionRecording(id, new SessionOpened
        {
            Source = EventSource.Proxy, ClientAddress = index % 97 == 5 ? "10.0.0.5:4000" : $"10.{index / 62500 % 250}.{index / 250 % 250}.{index % 250}:{40000 + index % 20000}",
            ListenerAddress = "127.0.0.1:1993", Listener = tls < 0.9 ? ListenerKind.Tls : ListenerKind.Plain,
            Upstream = Pick(("imap.example.com:993", 0.7), ("imap.gmail.com:993", 0.2), ("outlook.office365.com:993", 0.1)),
            UpstreamTls = UpstreamTlsMode.Implicit, ClientTls = ClientTlsMode.Mirror,
        }, bus, clock, LiteralLimit);
        if (tls < 0.02)
        {
            tap.Publish(new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Client, Succeeded = false, Error = "the client rejected the certificate" });
            tap.Close(CloseReason.ClientTlsFailed, "handshake failed", 0, 0);
            return;
        }
        if (tls < 0.9) tap.Publish(new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Client, Succeeded = true, Protocol = "Tls13", Cipher = "TLS_AES_256_GCM_SHA384" });
        if (tls < 0.92 || tls >= 0.95) tap.Publish(new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Upstream, Succeeded = true, Protocol = "Tls13", Cipher = "TLS_AES_256_GCM_SHA384" });

        long clientBytes = 0, serverBytes = 0;
        void Say(Direction direction, string text, double waitMs = 0)
        {
            clock.Advance(TimeSpan.FromMilliseconds(waitMs + random.Next(1, 20)));
            var bytes = Encoding.UTF8.GetBytes(text);
            if (direction == Direction.Client) clientBytes += bytes.Length;
            else serverBytes += bytes.Length;
            tap.Feed(direction, bytes);
        }

        var user = index == 4242 ? "zed" : Pick(("alice", 0.4), ("bob", 0.3), ("carol", 0.2), ($"user{random.Next(50)}", 0.1));
        var mailbox = Pick(("INBOX", 0.7), ("Archive", 0.1), ("Sent", 0.1), ("Drafts", 0.1));
        Say(Direction.Server, "* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS] ready\r\n");
        Say(Direction.Client, $"a1 LOGIN {user} secret\r\n");
        Say(Direction.Server, "a1 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS] logged in\r\n");
        Say(Direction.Client, $"a2 SELECT {mailbox}\r\n");
        Say(Direction.Server, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 120 EXISTS\r\n* OK [UIDVALIDITY 1700000000] ok\r\na2 OK [READ-WRITE] selected\r\n");
        var commands = random.Next(10, 40);
        for (var c = 3; c < commands; c++) Command(c, Say);
        Say(Direction.Client, $"a{commands} LOGOUT\r\n");
        Say(Direction.Server, $"* BYE logging out\r\na{commands} OK done\r\n");
        tap.Close(CloseReason.ClientClosed, "LOGOUT", clientBytes, serverBytes);
    }

    /// <summary>
    /// A bulk download as the relay benchmark makes: <c>UID FETCH 1:* BODY.PEEK[]</c> of <paramref name="messages"/>
    /// messages of <paramref name="messageBytes"/> each, fed in reads of 64 KiB. Returns the bytes the server sent.
    /// </summary>
    public long BulkFetch(long id, int messages, int messageBytes)
    {
        var clock = new ReplayClock(Start.AddSeconds(sessions++ * 3));
        using var tap = new SessionRecording(id, new SessionOpened
        {
            Source = EventSource.Proxy, ClientAddress = "10.9.9.9:40000", ListenerAddress = "127.0.0.1:1143", Listener = ListenerKind.Plain,
            Upstream = "imap.example.com:143", UpstreamTls = UpstreamTlsMode.None, ClientTls = ClientTlsMode.None,
        }, bus, clock, LiteralLimit);
        var line = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, again and again, line after line.\r\n");
        var body = new byte[messageBytes];
        for (var i = 0; i < body.Length; i++) body[i] = line[i % line.Length];
        long server = 0;
        void Send(Direction direction, ReadOnlySpan<byte> bytes)
        {
            for (var at = 0; at < bytes.Length; at += 64 * 1024) tap.Feed(direction, bytes[at..Math.Min(bytes.Length, at + 64 * 1024)]);
            if (direction == Direction.Server) server += bytes.Length;
        }
        Send(Direction.Server, "* OK ready\r\n"u8);
        Send(Direction.Client, "a1 LOGIN bulk secret\r\n"u8);
        Send(Direction.Server, "a1 OK logged in\r\n"u8);
        Send(Direction.Client, "a2 SELECT INBOX\r\n"u8);
        Send(Direction.Server, Encoding.ASCII.GetBytes($"* {messages} EXISTS\r\na2 OK [READ-WRITE] selected\r\n"));
        Send(Direction.Client, "a3 UID FETCH 1:* BODY.PEEK[]\r\n"u8);
        for (var uid = 1; uid <= messages; uid++)
        {
            Send(Direction.Server, [.. Encoding.ASCII.GetBytes($"* {uid} FETCH (UID {uid} BODY[] {{{messageBytes}}}\r\n"), .. body, .. ")\r\n"u8]);
        }
        Send(Direction.Server, "a3 OK FETCH completed\r\n"u8);
        tap.Close(CloseReason.ClientClosed, "bulk done", 0, server);
        return server;
    }

    private void Command(int n, Action<Direction, string, double> say)
    {
        var tag = $"a{n}";
        var uid = random.Next(1, 5000);
        var wait = random.NextDouble() < 0.005 ? 600 + random.Next(2500) : random.Next(1, 60);
        var failure = random.NextDouble();
        var kind = random.NextDouble();
        if (failure < 0.02)
        {
            say(Direction.Client, $"{tag} UID MOVE {uid} Trash\r\n", 0);
            say(Direction.Server, $"{tag} {(failure < 0.005 ? "BAD" : "NO")} [CANNOT] not allowed\r\n", wait);
        }
        else if (kind < 0.45)
        {
            say(Direction.Client, $"{tag} UID FETCH {uid}:{uid + 4} (UID FLAGS)\r\n", 0);
            var lines = string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(i => $"* {uid + i} FETCH (UID {uid + i} FLAGS (\\Seen))\r\n"));
            say(Direction.Server, $"{lines}{tag} OK FETCH completed\r\n", wait);
        }
        else if (kind < 0.60)
        {
            var big = bigLiterals < 5 && random.NextDouble() < 0.0005;
            if (big) bigLiterals++;
            var subject = random.NextDouble() < 0.1 ? $"Subject: hello {uid}" : $"Subject: report {uid}";
            var body = $"{subject}\r\nFrom: someone@example.com\r\n\r\n" + new string('x', big ? 1_200_000 : random.Next(500, 4000)) + "\r\n";
            say(Direction.Client, $"{tag} UID FETCH {uid} (BODY.PEEK[])\r\n", 0);
            say(Direction.Server, $"* {uid} FETCH (UID {uid} BODY[] {{{Encoding.UTF8.GetByteCount(body)}}}\r\n{body})\r\n{tag} OK FETCH completed\r\n", wait);
        }
        else if (kind < 0.70)
        {
            // One in a thousand has an unescaped quote in its subject (seen from iCloud): the parser flags it.
            var subject = random.NextDouble() < 0.001 ? "Re: the \"big\" plan" : "Re: the plan";
            say(Direction.Client, $"{tag} FETCH {uid} (BODYSTRUCTURE ENVELOPE)\r\n", 0);
            say(Direction.Server, $"* {uid} FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 1234 40 NIL NIL NIL NIL) " +
                                  $"ENVELOPE (\"Tue, 24 Nov 2026 10:00:00 +0000\" \"{subject}\" ((\"A\" NIL \"a\" \"example.com\")) NIL NIL NIL NIL NIL NIL \"<m{uid}@example.com>\"))\r\n" +
                                  $"{tag} OK FETCH completed\r\n", wait);
        }
        else if (kind < 0.80)
        {
            say(Direction.Client, $"{tag} UID STORE {uid} +FLAGS.SILENT (\\Seen)\r\n", 0);
            say(Direction.Server, $"{tag} OK STORE completed\r\n", wait);
        }
        else if (kind < 0.88)
        {
            say(Direction.Client, $"{tag} NOOP\r\n", 0);
            say(Direction.Server, $"* 121 EXISTS\r\n{tag} OK NOOP completed\r\n", wait);
        }
        else if (kind < 0.93)
        {
            say(Direction.Client, $"{tag} STATUS Sent (MESSAGES UNSEEN)\r\n", 0);
            say(Direction.Server, $"* STATUS Sent (MESSAGES 12 UNSEEN 0)\r\n{tag} OK STATUS completed\r\n", wait);
        }
        else if (kind < 0.97)
        {
            say(Direction.Client, $"{tag} UID SEARCH UNSEEN\r\n", 0);
            say(Direction.Server, $"* SEARCH {uid} {uid + 7}\r\n{tag} OK SEARCH completed\r\n", wait);
        }
        else
        {
            say(Direction.Client, $"{tag} IDLE\r\n", 0);
            say(Direction.Server, "+ idling\r\n", 0);
            say(Direction.Server, "* 122 EXISTS\r\n", random.Next(1_000, 60_000));
            say(Direction.Client, "DONE\r\n", 0);
            say(Direction.Server, $"{tag} OK IDLE terminated\r\n", 0);
        }
    }

    private string Pick(params (string Value, double Share)[] choices)
    {
        var x = random.NextDouble();
        foreach (var (value, share) in choices)
        {
            if (x < share) return value;
            x -= share;
        }
        return choices[^1].Value;
    }
}
