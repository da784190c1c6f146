using ImapProxy.Protocol;
using ImapProxy.Replay.Captured;
using ImapProxy.Replay.Compare;

namespace ImapProxy.Replay.Tests.Compare;

/// <summary>A phone's session and a desktop client's against the same server, side by side.</summary>
public sealed class SessionComparisonTests : IDisposable
{
    private readonly RecordedStore recorded = new();

    private static readonly (Direction, string)[] Start =
    [
        (Direction.Server, "* OK ready\r\n"),
        (Direction.Client, "a1 LOGIN alice pw\r\n"), (Direction.Server, "a1 OK logged in\r\n"),
        (Direction.Client, "a2 SELECT INBOX\r\n"), (Direction.Server, "* 2 EXISTS\r\n* OK [UIDVALIDITY 5] ok\r\na2 OK [READ-WRITE] done\r\n"),
    ];

    [Fact]
    public async Task TheFirstDivergence_IsTheAnswerThatDiffers_AndCommandsOnlyOneSentAreSaidSo()
    {
        var phone = await RecordAsync([.. Start,
            (Direction.Client, "a3 UID FETCH 1:* (UID RFC822.SIZE)\r\n"),
            (Direction.Server, "* 1 FETCH (UID 7 RFC822.SIZE 1200)\r\n* 2 FETCH (UID 8 RFC822.SIZE 300)\r\na3 OK done\r\n"),
            (Direction.Client, "a4 IDLE\r\n"), (Direction.Server, "+ idling\r\n"), (Direction.Client, "DONE\r\n"), (Direction.Server, "a4 OK done\r\n"),
            (Direction.Client, "a5 LOGOUT\r\n"), (Direction.Server, "* BYE\r\na5 OK\r\n")]);
        var desktop = await RecordAsync([.. Start,
            (Direction.Client, "b3 UID FETCH 1:* (UID RFC822.SIZE)\r\n"),
            (Direction.Server, "* 1 FETCH (UID 7 RFC822.SIZE 1100)\r\n* 2 FETCH (UID 8 RFC822.SIZE 300)\r\nb3 OK done\r\n"),
            (Direction.Client, "b4 LOGOUT\r\n"), (Direction.Server, "* BYE\r\nb4 OK\r\n")]);

        var steps = SessionComparison.Compare(phone, desktop);

        Assert.Equal([StepKind.Same, StepKind.Same, StepKind.Differs, StepKind.OnlyFirst, StepKind.Same], steps.Select(s => s.Kind));
        var fetch = steps[2];
        Assert.Equal("UID FETCH", fetch.Command);
        Assert.False(fetch.ArgumentsDiffer);
        var change = Assert.Single(fetch.Changes);
        Assert.Equal(("changed", "* 1 FETCH", "data.rfc822Size", "1200", "1100"), (change.Kind, change.Response, change.Path, change.Original, change.Replay));
        Assert.Equal("IDLE", steps[3].Command);
        Assert.Null(steps[3].Second);
    }

    [Fact]
    public async Task OneSessionsExtraCommands_AreSkipped_AndThePairingResumes()
    {
        var first = await RecordAsync([.. Start,
            (Direction.Client, "a3 NOOP\r\n"), (Direction.Server, "a3 OK\r\n"),
            (Direction.Client, "a4 LOGOUT\r\n"), (Direction.Server, "* BYE\r\na4 OK\r\n")]);
        var second = await RecordAsync([.. Start,
            (Direction.Client, "b3 CAPABILITY\r\n"), (Direction.Server, "* CAPABILITY IMAP4rev1\r\nb3 OK\r\n"),
            (Direction.Client, "b4 STATUS Sent (MESSAGES)\r\n"), (Direction.Server, "* STATUS Sent (MESSAGES 1)\r\nb4 OK\r\n"),
            (Direction.Client, "b5 NOOP\r\n"), (Direction.Server, "b5 OK\r\n"),
            (Direction.Client, "b6 LOGOUT\r\n"), (Direction.Server, "* BYE\r\nb6 OK\r\n")]);

        var steps = SessionComparison.Compare(first, second);

        Assert.Equal(["LOGIN same", "SELECT same", "CAPABILITY OnlySecond", "STATUS OnlySecond", "NOOP same", "LOGOUT same"],
            steps.Select(s => $"{s.Command} {(s.Kind == StepKind.Same ? "same" : s.Kind.ToString())}"));
    }

    private async Task<CapturedSession> RecordAsync((Direction, string)[] steps)
    {
        var id = await recorded.RecordAsync(steps);
        var (session, problem) = CapturedSessionLoader.Load(recorded.Store, recorded.Store.GetSession(id)!);
        Assert.Null(problem);
        return session!;
    }

    public void Dispose() => recorded.Dispose();
}
