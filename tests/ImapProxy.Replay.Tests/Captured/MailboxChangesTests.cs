using ImapProxy.Protocol;
using ImapProxy.Replay.Captured;

namespace ImapProxy.Replay.Tests.Captured;

/// <summary>Which captured commands a replay would change the server with (issue 15 #14), from a recorded session.</summary>
public class MailboxChangesTests
{
    private const Direction C = Direction.Client;
    private const Direction S = Direction.Server;

    [Fact]
    public async Task WritingCommandsAndFetchesThatSetSeen_AreNamed_ReadsAreNot()
    {
        using var recorded = new RecordedStore();
        // RFC 3501 §6.4.5: BODY[...] and RFC822 / RFC822.TEXT set \Seen; BODY.PEEK, RFC822.HEADER, RFC822.SIZE and
        // BODYSTRUCTURE do not.
        string[] commands =
        [
            "a1 SELECT INBOX", "a2 FETCH 1 (BODY.PEEK[] RFC822.SIZE BODYSTRUCTURE RFC822.HEADER)", "a3 UID FETCH 1:* (FLAGS)",
            "a4 FETCH 1 (BODY[TEXT])", "a5 UID FETCH 7 rfc822", "a6 FETCH 2 RFC822.TEXT", "a7 UID STORE 1 +FLAGS (\\Flagged)",
            "a8 STORE 2 -FLAGS (\\Seen)", "a9 COPY 1 Archive", "b1 UID MOVE 2 Trash", "b2 EXPUNGE", "b3 CREATE New", "b4 RENAME New Old",
            "b5 DELETE Old", "b6 STATUS INBOX (MESSAGES)", "b7 LIST \"\" *", "b8 SEARCH ALL", "b9 NOOP",
        ];
        var id = await recorded.RecordAsync([(S, "* PREAUTH ready\r\n"), .. commands.SelectMany(c => new[] { (C, c + "\r\n"), (S, c[..3] + "OK done\r\n") })]);

        var changes = ReplayCheck.Check(recorded.Store, id).MailboxChanges;

        Assert.Equal("FETCH ×2 (a4, a6), UID FETCH ×1 (a5), UID STORE ×1 (a7), STORE ×1 (a8), COPY ×1 (a9), UID MOVE ×1 (b1), " +
                     "EXPUNGE ×1 (b2), CREATE ×1 (b3), RENAME ×1 (b4), DELETE ×1 (b5)", changes);
    }

    [Fact]
    public async Task ASessionThatOnlyReads_ChangesNothing()
    {
        using var recorded = new RecordedStore();
        var id = await recorded.RecordAsync([
            (S, "* PREAUTH ready\r\n"), (C, "a1 EXAMINE INBOX\r\n"), (S, "a1 OK [READ-ONLY] done\r\n"),
            (C, "a2 FETCH 1:* (FLAGS ENVELOPE BODY.PEEK[HEADER])\r\n"), (S, "a2 OK done\r\n"),
        ]);

        Assert.Null(ReplayCheck.Check(recorded.Store, id).MailboxChanges);
    }
}
