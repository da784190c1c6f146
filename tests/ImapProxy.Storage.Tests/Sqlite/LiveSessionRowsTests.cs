using System.Text;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Sqlite;

/// <summary>
/// The dashboard's session list keeps its rows up to date from live events (<see cref="LiveSessionRows"/>), one event at
/// a time; the store's writer updates the stored row once per batch, in SQL. A user who reloads the page must see the
/// row the live list showed: each column is checked against what the session did, live and stored.
/// </summary>
public abstract class LiveSessionRowsTests(StoreEngine engine)
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly TlsClientOffer Offer = new()
    {
        ServerName = "imap.example.test", Ja4 = "t13d1516h2_8daaf6152771_02713d6af862", Versions = ["TLS 1.3"],
    };

    [Fact]
    public async Task ALiveRow_ShowsWhatTheSessionDid_AndIsTheRowTheStoreKeeps()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        using var s = new Conversation(h.Bus, h.Store.NextSessionId(), Start);
        var clientText = new StringBuilder();
        var serverText = new StringBuilder();
        void Client(string text)
        {
            clientText.Append(text);
            s.Client(text);
        }
        void Server(string text)
        {
            serverText.Append(text);
            s.Server(text);
        }

        s.Open("10.0.0.7:51000", "imap.example.test:993");
        s.Tls(TlsLeg.Client, protocol: "Tls13", offer: Offer);
        s.Tls(TlsLeg.Upstream, protocol: "Tls12");
        Server("* OK [CAPABILITY IMAP4rev1 ID] ready\r\n");
        // MailKit's tags name it until the client says who it is.
        Client("A00000001 CAPABILITY\r\n");
        Server("* CAPABILITY IMAP4rev1 ID\r\nA00000001 OK done\r\n");
        var beforeId = LiveRow(s.Published, h.Options.Instance);
        Assert.Equal("MailKit (by its tags)", beforeId.ClientApp);
        // A live session's byte counts move with its raw bytes, before any close says how many there were.
        Assert.Equal((Bytes(clientText), Bytes(serverText)), (beforeId.ClientBytes, beforeId.ServerBytes));
        Assert.Null(beforeId.EndedAt);
        // Stored in a batch of its own, so that the next batch's ID has a stored guess to replace.
        await h.IdleAsync();
        Assert.Equal(beforeId, h.Store.GetSession(s.SessionId));

        Client("A00000002 ID (\"name\" \"iPhone Mail\" \"version\" \"19E241\" \"os\" \"iOS\" \"os-version\" \"15.4.1\")\r\n");
        Server("* ID NIL\r\nA00000002 OK ID completed\r\n");
        Client("A00000003 LOGIN bob secret\r\n");
        // ID announced before login, not after: a finding of severity info, which the row's count leaves out.
        Server("A00000003 OK [CAPABILITY IMAP4rev1] LOGIN completed\r\n");
        Client("A00000004 SELECT INBOX\r\n");
        Server("* 3 EXISTS\r\nA00000004 OK [READ-WRITE] SELECT completed\r\n");
        // Fewer messages without an EXPUNGE (RFC 3501 §7.3.1): a finding.
        Client("A00000005 NOOP\r\n");
        Server("* 2 EXISTS\r\nA00000005 OK NOOP completed\r\n");
        s.Proxy(ProxyAction.Fault, "delayed the next answer by 5 s");
        Client("A00000006 EXAMINE Missing\r\n");
        Server("A00000006 NO no such mailbox\r\n");
        // Never answered: the server goes without BYE (two more findings).
        Client("A00000007 NOOP\r\n");
        s.Close(CloseReason.ServerClosed, "the server closed the connection");
        await h.IdleAsync();

        var live = LiveRow(s.Published, h.Options.Instance);
        var closed = Assert.IsType<SessionClosed>(s.Published[^1]);
        Assert.Equal("iPhone Mail 19E241 on iOS 15.4.1", live.ClientApp);
        Assert.Equal(("bob", "INBOX"), (live.User, live.Mailbox));
        Assert.Equal(("Tls13", "Tls12"), (live.ClientLegTls, live.UpstreamLegTls));
        Assert.Equal((Offer.ServerName, Offer.Ja4), (live.ClientSni, live.ClientJa4));
        Assert.Equal((6, 1), (live.Commands, live.Failures));
        Assert.Equal(3, live.Findings);
        Assert.True(live.Altered, "a fault the proxy injected marks the session altered");
        Assert.False(live.CaptureIncomplete);
        Assert.Equal((closed.Time, "server-closed", "the server closed the connection"), (live.EndedAt, live.CloseReason, live.CloseDetail));
        Assert.Equal((Bytes(clientText), Bytes(serverText)), (live.ClientBytes, live.ServerBytes));
        Assert.Equal(s.Published.Count(e => e is not RawBytes), live.Events);

        Assert.Equal(live, h.Store.GetSession(s.SessionId));
    }

    [Fact]
    public async Task ACaptureThatLostEvents_IsIncompleteLiveAndStored_WithTheCountLost()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        using var s = new Conversation(h.Bus, h.Store.NextSessionId(), Start);
        s.Open("10.0.0.7:51000", "imap.example.test:993");
        s.Client("A00000001 NOOP\r\n");
        s.Server("A00000001 OK done\r\n");
        var whole = LiveRow(s.Published, h.Options.Instance);
        Assert.False(whole.CaptureIncomplete);

        s.Publish(new CaptureIncomplete { Source = EventSource.Proxy, DroppedEvents = 7 });
        s.Publish(new CaptureIncomplete { Source = EventSource.Proxy, DroppedEvents = 5 });
        s.Close();
        await h.IdleAsync();

        var live = LiveRow(s.Published, h.Options.Instance);
        Assert.Equal((true, 12), (live.CaptureIncomplete, live.DroppedEvents));
        Assert.Equal(live, h.Store.GetSession(s.SessionId));
    }

    [Fact]
    public async Task ALiteralLetGoWhileTheStoreWasBehind_MakesTheCaptureIncomplete_ButACappedOneDoesNot()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        using var s = new Conversation(h.Bus, h.Store.NextSessionId(), Start);
        s.Open("10.0.0.7:51000", "imap.example.test:993");
        // Kept up to the capture cap, as the user asked: nothing is missing that was meant to be kept.
        s.Publish(Truncated(TruncationCause.CaptureCap));
        Assert.False(LiveRow(s.Published, h.Options.Instance).CaptureIncomplete);

        s.Publish(Truncated(TruncationCause.StoreBehind));
        s.Close();
        await h.IdleAsync();

        var live = LiveRow(s.Published, h.Options.Instance);
        Assert.Equal((true, 0), (live.CaptureIncomplete, live.DroppedEvents));
        Assert.Equal(live, h.Store.GetSession(s.SessionId));
    }

    /// <summary>The row the dashboard's session list holds after these events, built as it builds it.</summary>
    private static SessionRow LiveRow(IReadOnlyList<SessionEvent> events, string? instance)
    {
        var row = LiveSessionRows.Opened(Assert.IsType<SessionOpened>(events[0]), instance);
        foreach (var e in events.Skip(1)) row = LiveSessionRows.Apply(row, e);
        return row;
    }

    private static long Bytes(StringBuilder text) => Encoding.UTF8.GetByteCount(text.ToString());

    private static LiteralTruncated Truncated(TruncationCause cause) => new()
    {
        Source = EventSource.Server, Offset = 100, LiteralOffset = 100, Length = 1_000_000, Kept = 0, Cause = cause, Sha256 = new string('a', 64),
    };
}

public sealed class SqliteLiveSessionRowsTests() : LiveSessionRowsTests(StoreEngine.Sqlite);

public sealed class PostgresLiveSessionRowsTests() : LiveSessionRowsTests(StoreEngine.Postgres);
