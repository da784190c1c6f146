using ImapProxy.Recording.Events;
using ImapProxy.Recording.Findings;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Findings;

/// <summary>A stored session gets the findings its live recording got, from the same engine, read back from the store.</summary>
public abstract class StoredFindingsTests(StoreEngine engine)
{
    private const string Headers = "From: ann@example.com\r\nTo: bob@example.com, carol@example.com\r\nSubject: hi\r\n\r\n";

    [Fact]
    public async Task StoredSession_IsJudgedOnWhatTheLiveOneWas_LiteralBodiesIncluded()
    {
        await using var harness = await engine.HarnessAsync();
        await harness.StartAsync();
        var id = harness.Store.NextSessionId();
        // ENVELOPE with one To address where the header has two; RFC822.SIZE 10 bytes over the body sent.
        var body = Headers + "text\r\n";
        var conversation = new Conversation(harness.Bus, id, DateTimeOffset.UnixEpoch) { LiteralCap = 1 << 20 };
        conversation.Open("10.0.0.1:1000", "imap.example.com:993")
            .Server("* OK ready\r\n").Client("a1 LOGIN ann pw\r\n").Server("a1 OK\r\n")
            .Client("a2 SELECT INBOX\r\n").Server("* 1 EXISTS\r\na2 OK [READ-WRITE] done\r\n")
            .Client("a3 UID FETCH 1 (ENVELOPE RFC822.SIZE)\r\n")
            .Server($"* 1 FETCH (UID 1 RFC822.SIZE {body.Length + 10} ENVELOPE (NIL \"hi\" NIL NIL NIL ((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL NIL))\r\na3 OK\r\n")
            .Client("a4 UID FETCH 1 BODY.PEEK[]\r\n")
            .Server($"* 1 FETCH (UID 1 BODY[] {{{body.Length}}}\r\n{body})\r\na4 OK\r\n")
            .Close();
        await harness.IdleAsync();
        var live = conversation.Published.OfType<FindingReported>().ToList();
        var rows = harness.Store.GetEvents(id, 0, 10_000);

        var stored = SessionAnalyzer.Analyze(StoredSessionEvents.Read(harness.Store, id, rows));
        // Read as JSON alone, the body is not there: the envelope cannot be judged.
        var withoutBodies = SessionAnalyzer.Analyze(rows.Select(r => r.ReadEvent()));

        Assert.Equal(["envelope-mismatch", "plaintext-login", "rfc822-size-mismatch"], live.Select(f => f.Rule).Order());
        Assert.Equal(live.Select(f => (f.Rule, f.Message, string.Join(",", f.Evidence))), stored.Select(f => (f.Rule, f.Message, string.Join(",", f.Evidence))));
        Assert.DoesNotContain(withoutBodies, f => f.Rule == "envelope-mismatch");
    }
}

public sealed class SqliteStoredFindingsTests() : StoredFindingsTests(StoreEngine.Sqlite);

public sealed class PostgresStoredFindingsTests() : StoredFindingsTests(StoreEngine.Postgres);
