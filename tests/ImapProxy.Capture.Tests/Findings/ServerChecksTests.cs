using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// How the server treats the client: "not now" answers (RFC 5530 §3 codes, the texts of servers that throttle) and
/// commands far slower than their kind, the two things behind a phone's "cannot get mail" that nothing else shows.
/// </summary>
public class ServerChecksTests
{
    private static ScriptedSession Selected() => ScriptedSession.Selected("IMAP4rev1 IDLE");

    [Theory]
    [InlineData("a3 NO [LIMIT] Too many commands\r\n", "[LIMIT] in 'a3 NO [LIMIT] Too many commands'")]
    [InlineData("a3 NO [OVERQUOTA] Mailbox full\r\n", "[OVERQUOTA] in 'a3 NO [OVERQUOTA] Mailbox full'")]
    [InlineData("a3 NO [INUSE] Mailbox in use\r\n", "[INUSE] in 'a3 NO [INUSE] Mailbox in use'")]
    [InlineData("a3 NO [THROTTLED] Slow down\r\n", "[THROTTLED] in 'a3 NO [THROTTLED] Slow down'")]
    [InlineData("a3 NO Server Busy. Try again later\r\n", "\"server busy\" in 'a3 NO Server Busy. Try again later'")]
    [InlineData("a3 BAD Too many connections from your IP\r\n", "\"too many connections\" in 'a3 BAD Too many connections from your IP'")]
    public void AnAnswerThatMeansNotNow_IsAWarning_QuotingIt(string answer, string expected)
    {
        using var session = Selected().Client("a3 UID FETCH 1:* FLAGS\r\n").Server(answer);

        var finding = Assert.Single(session.Findings(), f => f.Rule == "server-throttled");

        Assert.Equal((Severity.Warning, expected), (finding.Severity, finding.Detail()));
    }

    [Fact]
    public void AnUntaggedNotNow_PointsAtItself_AndALongLineIsCut()
    {
        var text = "Too many simultaneous connections " + new string('.', 150);
        using var session = Selected().Server($"* BYE {text}\r\n");

        var finding = Assert.Single(session.Findings(CloseReason.ServerClosed), f => f.Rule == "server-throttled");

        var quoted = $"* BYE {text}"[..120] + "…";
        Assert.Equal($"\"too many simultaneous connections\" in '{quoted}'", finding.Detail());
        Assert.Single(finding.Evidence);

        // A line of 120 characters exactly is quoted whole.
        var exact = "Too many simultaneous connections".PadRight(120 - "* BYE ".Length, '.');
        using var whole = Selected().Server($"* BYE {exact}\r\n");
        Assert.Equal($"\"too many simultaneous connections\" in '* BYE {exact}'",
            Assert.Single(whole.Findings(CloseReason.ServerClosed), f => f.Rule == "server-throttled").Detail());
    }

    [Fact]
    public void AnOkThatSaysTryAgainLater_IsNoThrottling()
    {
        using var session = Selected().Client("a3 NOOP\r\n").Server("a3 OK NOOP done, try again later for more\r\n");

        Assert.DoesNotContain(session.Findings(), f => f.Rule == "server-throttled");
    }

    [Fact]
    public void ASlowCommand_IsJudgedAgainstItsKind_UidOrNot()
    {
        using var session = Selected();
        for (var i = 0; i < 4; i++)
            session.Client($"f{i} FETCH {i + 1} FLAGS\r\n").Wait(TimeSpan.FromMilliseconds(100)).Server($"f{i} OK done\r\n");
        // NOOPs are another kind: their speed says nothing of FETCH's.
        session.Client("n1 NOOP\r\n").Wait(TimeSpan.FromSeconds(5)).Server("n1 OK done\r\n");
        session.Client("f9 UID FETCH 1:* FLAGS\r\n").Wait(TimeSpan.FromMilliseconds(1_500)).Server("f9 OK done\r\n");

        var finding = Assert.Single(session.Findings(), f => f.Rule == "slow-command");

        Assert.Equal("f9 UID FETCH took 1,500 ms; its 4 predecessors took 100 ms at the median", finding.Detail());
        Assert.Equal(2, finding.Evidence.Count);
    }

    [Theory]
    // Three predecessors are too few to know the kind's pace.
    [InlineData(3, 100, 3_000, false)]
    [InlineData(4, 100, 3_000, true)]
    // Under a second is never slow, ten times or not.
    [InlineData(4, 20, 999, false)]
    [InlineData(4, 20, 1_000, true)]
    // Ten times the median exactly is not more than ten times.
    [InlineData(4, 200, 2_000, false)]
    [InlineData(4, 200, 2_001, true)]
    public void ASlowCommand_NeedsFourPredecessors_ASecond_AndTenTimesTheirMedian(int predecessors, int usualMs, int slowMs, bool slow)
    {
        using var session = Selected();
        for (var i = 0; i < predecessors; i++)
            session.Client($"s{i} SEARCH ALL\r\n").Wait(TimeSpan.FromMilliseconds(usualMs)).Server($"s{i} OK done\r\n");
        session.Client("s9 SEARCH ALL\r\n").Wait(TimeSpan.FromMilliseconds(slowMs)).Server("s9 OK done\r\n");

        Assert.Equal(slow, session.Findings().Any(f => f.Rule == "slow-command"));
    }

    [Fact]
    public void TheMedian_IsOfThePredecessors_NotTheirAverage()
    {
        using var session = Selected();
        // 100, 100, 100, 100, 60,000 ms: the median stays 100 ms (the average would be 12 s), so 2 s is still twenty
        // times the usual.
        foreach (var ms in new[] { 100, 100, 100, 100, 60_000 })
            session.Client("s SEARCH ALL\r\n").Wait(TimeSpan.FromMilliseconds(ms)).Server("s OK done\r\n");
        session.Client("s9 SEARCH ALL\r\n").Wait(TimeSpan.FromSeconds(2)).Server("s9 OK done\r\n");

        var slow = session.Findings().Where(f => f.Rule == "slow-command").Select(f => f.Detail()).ToList();

        Assert.Equal(["s SEARCH took 60,000 ms; its 4 predecessors took 100 ms at the median",
            "s9 SEARCH took 2,000 ms; its 5 predecessors took 100 ms at the median"], slow);
    }

    [Fact]
    public void TheMedianNamed_IsTheMiddleOfThePredecessorsInOrder()
    {
        using var session = Selected();
        foreach (var ms in new[] { 40, 10, 30, 20 })
            session.Client("s SEARCH ALL\r\n").Wait(TimeSpan.FromMilliseconds(ms)).Server("s OK done\r\n");
        session.Client("s9 SEARCH ALL\r\n").Wait(TimeSpan.FromSeconds(2)).Server("s9 OK done\r\n");

        // 10, 20, 30, 40: the upper middle, 30 ms.
        Assert.Equal("s9 SEARCH took 2,000 ms; its 4 predecessors took 30 ms at the median",
            Assert.Single(session.Findings(), f => f.Rule == "slow-command").Detail());
    }

    [Fact]
    public void IdleAndLogout_AreNeverSlow()
    {
        using var session = Selected();
        for (var i = 0; i < 5; i++)
            session.Client($"i{i} IDLE\r\n").Server("+ idling\r\n").Wait(TimeSpan.FromMilliseconds(50)).Client("DONE\r\n").Server($"i{i} OK done\r\n");
        session.Client("i9 IDLE\r\n").Server("+ idling\r\n").Wait(TimeSpan.FromMinutes(20)).Client("DONE\r\n").Server("i9 OK done\r\n");

        Assert.DoesNotContain(session.Findings(), f => f.Rule == "slow-command");
    }
}
