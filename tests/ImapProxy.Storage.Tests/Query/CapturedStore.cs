using ImapProxy.Recording.Events;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// A store filled through the real capture path (parser, bus, writer) with sessions that differ in every field
/// the filter knows: users (one missing, one non-ASCII), client addresses that are prefixes of each other, IPv6,
/// TLS on no leg, one leg, both, a failed handshake, mailboxes with LIKE's wildcards and non-ASCII letters,
/// slow and fast commands, failures, quirks the parser flags, literal bodies past the capture cap, NUL bytes, a
/// session still open, TLS offers with and without SNI. Raw rows are kept tiny and batches short, so body: meets many row boundaries.
/// </summary>
public class CapturedStore : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private StoreHarness harness = null!;
    private readonly List<Conversation> conversations = [];

    public QueryService Queries { get; private set; } = null!;
    public EventStore Store => harness.Store;

    /// <summary>The engine: a SQLite file here, a PostgreSQL database in <see cref="PostgresCapturedStore"/>.</summary>
    protected virtual Task<string?> PostgresAsync() => Task.FromResult<string?>(null);

    /// <summary>Every session row, newest first, and each one's events in order.</summary>
    public IReadOnlyList<(SessionRow Session, IReadOnlyList<EventRow> Events)> Sessions { get; private set; } = [];

    /// <summary>What was published for a session, raw chunks included.</summary>
    public IReadOnlyList<SessionEvent> Published(long sessionId) => conversations.Single(c => c.SessionId == sessionId).Published;

    public async Task InitializeAsync()
    {
        harness = new StoreHarness(o => o with { RawRowBytes = 48, MaxBatchEvents = 7 }, postgres: await PostgresAsync());
        Alice();
        Bob();
        Carol();
        FailedTls();
        Asa();
        Unreachable();
        await harness.StartAsync();
        await harness.IdleAsync();
        // As a store that has been quiet for a second is: text: reads the index's candidates (SQLite's; PostgreSQL
        // has none), not every row.
        harness.Store.IndexAllText();
        Queries = new QueryService(harness.Store);
        Sessions = Queries.Sessions(null, 100).Rows.Select(s => (s, Queries.Events(s.Id, null, QueryService.MaxPage).Rows)).ToList();
    }

    public async Task DisposeAsync() => await harness.DisposeAsync();

    private Conversation New()
    {
        var id = harness.Store.NextSessionId();
        var conversation = new Conversation(harness.Bus, id, Start.AddMinutes(id));
        conversations.Add(conversation);
        return conversation;
    }

    private void Alice()
    {
        var body = "Subject: hello\r\nFrom: a@example.com\r\n\r\n" + new string('x', 1500) + "\r\nSubject: later\r\n";
        New().Open("10.0.0.5:4000", "imap.example.com:993").Tls(TlsLeg.Client, offer: Offer("imap.example.com", "t13d1516h2_8daaf6152771_e5627efa2ab1"))
            .Tls(TlsLeg.Upstream)
            .Server("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n")
            .Client("a1 LOGIN alice secret\r\n").Server("a1 OK logged in\r\n")
            .Client("a2 SELECT INBOX\r\n").Server("* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n")
            // The BODYSTRUCTURE is true to the body (1,518 bytes after the header, 2 line feeds): the findings engine
            // compares them, and alice's session is the one without findings.
            .Client("a3 FETCH 1 (BODYSTRUCTURE BODY[])\r\n").Wait(TimeSpan.FromSeconds(2))
            .Server($"* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1518 2) BODY[] {{{body.Length}}}\r\n{body})\r\na3 OK done\r\n")
            .Client("a4 UID STORE 1 +FLAGS (\\Seen)\r\n").Server("* 1 FETCH (FLAGS (\\Seen))\r\na4 OK done\r\n")
            .Client("a5 STATUS Sent (MESSAGES)\r\n").Server("* STATUS Sent (MESSAGES 2)\r\na5 OK done\r\n")
            .Client("a6 UID FETCH 1:* (FLAGS)\r\n").Wait(TimeSpan.FromMilliseconds(600)).Server("* 1 FETCH (UID 1 FLAGS (\\Seen))\r\na6 OK done\r\n")
            .Client("a7 LOGOUT\r\n").Server("* BYE bye\r\na7 OK done\r\n")
            .Close();
    }

    private void Bob()
    {
        const string message = "Subject: hello again\r\n\r\nhi\r\n";
        New().Open("10.0.0.6:4001", "imap.example.com:993").Tls(TlsLeg.Upstream)
            .Server("* ok [CAPABILITY IMAP4rev1] ready\r\n")
            .Client("b1 LOGIN bob pw\r\n").Server("b1 OK hi\r\n")
            .Client("b2 EXAMINE Archive\r\n").Server("b2 NO [NONEXISTENT] no such mailbox\r\n")
            .Client("b3 SELECT \"100%_done\"\r\n").Server("* 0 EXISTS\r\nb3 OK [READ-WRITE] selected\r\n")
            .Client($"b4 APPEND Drafts {{{message.Length}+}}\r\n{message}\r\n").Server("b4 OK appended\r\n")
            .Client("b5 FETCH 1 (ENVELOPE)\r\n")
            .Server("* 1 FETCH (ENVELOPE (\"date\" \"Re: the \"big\" plan\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\nb5 OK done\r\n")
            .Client("b6 UID STORE 1 +FLAGS (\\Deleted)\r\n").Server("b6 BAD [CANNOT] read-only\r\n")
            .Client("b7 CREATE \"Entwürfe\"\r\n").Server("b7 OK created\r\n")
            .Client("b8 LOGOUT\r\n").Server("* BYE\r\nb8 OK\r\n")
            // A fault rule altered something (the session is marked altered), last so that the numbers before stay.
            .Proxy(ProxyAction.Fault, "fault rule 1 (cmd:NOOP => inject \"* 0 EXISTS\"): sent a line the server never sent")
            .Close(CloseReason.ServerClosed);
    }

    /// <summary>PREAUTH (no user), plaintext, IPv6, IDLE, lower-case commands, a proxy action, an ID naming the client; never closed.</summary>
    private void Carol() =>
        New().Open("[::1]:5000", "other.example.org:143", ListenerKind.Plain)
            .Server("* PREAUTH [CAPABILITY IMAP4rev1 IDLE ID] welcome\r\n")
            .Client("c1 select inbox\r\n").Server("* 5 EXISTS\r\nc1 OK [READ-WRITE] done\r\n")
            .Client("c2 IDLE\r\n").Server("+ idling\r\n").Wait(TimeSpan.FromSeconds(30)).Server("* 6 EXISTS\r\n")
            .Client("DONE\r\n").Server("c2 OK IDLE terminated\r\n")
            .Client("c3 COPY 1 Trash\r\n").Server("c3 OK [COPYUID 1 1 1] copied\r\n")
            .Proxy("note", "a proxy action for dir:proxy")
            .Client("c4 NOOP\r\n").Server("c4 OK\r\n")
            .Client("c5 ID (\"name\" \"K-9 Mail\" \"version\" \"6.400\" \"os\" \"Android\")\r\n").Server("* ID NIL\r\nc5 OK\r\n");

    private void FailedTls() =>
        New().Open("10.0.0.55:4002", "imap.example.com:993")
            .Tls(TlsLeg.Client, succeeded: false, offer: Offer(null, "t10i020000_b2ad0625f3cb_000000000000", "TLS 1.0"))
            .Close(CloseReason.ClientTlsFailed);

    /// <summary>A client leg's ClientHello: the name it asked for, its JA4, the versions it offered.</summary>
    private static TlsClientOffer Offer(string? serverName, string ja4, params string[] versions) => new()
    {
        ServerName = serverName, Ja4 = ja4, Versions = versions.Length > 0 ? versions : ["TLS 1.3", "TLS 1.2"],
        CipherSuites = ["TLS_AES_128_GCM_SHA256"],
    };

    /// <summary>A non-ASCII user and mailbox, a bare LF, a literal with NUL bytes and text across raw rows, a literal over 1 MB.</summary>
    private void Asa()
    {
        var big = "Subject: big\r\n\r\n" + new string('y', 1_100_000) + "\r\n";
        var body = "Subject: hello\r\n\r\n\0\u0001binary\0 then a sentence long enough to cross several raw rows of the store\r\n";
        New().Open("192.168.1.20:6000", "mail.test:993").Tls(TlsLeg.Client, offer: Offer("Mail.Test", "t13d1712ip_5b57614c22b0_3d5424432f57"))
            .Server("* OK ready\r\n")
            .Client("d1 LOGIN \"ÅSA\" pw\r\n").Server("d1 OK\r\n")
            .Client("d2 SELECT \"Entwürfe\"\r\n").Server("* 2 EXISTS\n").Server("d2 OK [READ-WRITE] ok\r\n")
            .Client("d3 FETCH 1 BODY[]\r\n").Server($"* 1 FETCH (BODY[] {{{System.Text.Encoding.UTF8.GetByteCount(body)}}}\r\n{body})\r\nd3 OK\r\n")
            .Client("d4 FROB\r\n").Server("d4 BAD unknown command\r\n")
            .Client("d6 UID FETCH 2 BODY[]\r\n").Server($"* 2 FETCH (UID 2 BODY[] {{{big.Length}}}\r\n{big})\r\nd6 OK\r\n")
            .Client("d5 LOGOUT\r\n").Server("* BYE\r\nd5 OK\r\n")
            .Close();
    }

    private void Unreachable() =>
        New().Open("10.0.0.7:4003", "down.example.com:993").Proxy("upstream-unreachable", "connection refused").Close(CloseReason.UpstreamUnreachable);
}

/// <summary>The same sessions in a PostgreSQL database of the test run's cluster.</summary>
public sealed class PostgresCapturedStore : CapturedStore
{
    protected override async Task<string?> PostgresAsync() => await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
}
