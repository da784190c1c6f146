using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// IDLE as RFC 2177 has both sides hold it: the client renews within 29 minutes, the server keeps it at least the
/// 30 minutes of RFC 3501 §5.4's autologout timer and sends nothing before its '+'. Phones live in IDLE: a server
/// that drops it early is the battery drain and the missed mail their users report.
/// </summary>
public class IdleChecksTests
{
    private static ScriptedSession Idling(string tag = "a3") => ScriptedSession.Selected("IMAP4rev1 IDLE")
        // IDLE begins well into the session: its length is counted from the IDLE, not from the session's start.
        .Wait(TimeSpan.FromMinutes(20))
        .Client($"{tag} IDLE\r\n")
        .Server("+ idling\r\n");

    private static List<FindingReported> IdleFindings(ScriptedSession session, CloseReason reason = CloseReason.ClientClosed) =>
        session.Findings(reason).Where(f => f.Rule.Contains("idle")).ToList();

    [Theory]
    [InlineData(28, null)]
    [InlineData(29, null)]
    [InlineData(29.5, "a3 IDLE lasted 29.5 min")]
    [InlineData(45, "a3 IDLE lasted 45 min")]
    public void AnIdleTheClientEnds_AfterMoreThan29Minutes_IsInfo(double minutes, string? expected)
    {
        using var session = Idling().Wait(TimeSpan.FromMinutes(minutes)).Client("DONE\r\n").Server("a3 OK done\r\n");

        var findings = IdleFindings(session);

        Assert.Equal(expected is null ? [] : [("idle-held-too-long", Severity.Info, expected)], findings.Select(f => (f.Rule, f.Severity, f.Detail())));
    }

    [Theory]
    [InlineData(0.75, "the server completed a3 IDLE after 45 s without the client's DONE")]
    [InlineData(1, "the server completed a3 IDLE after 1 min without the client's DONE")]
    [InlineData(10, "the server completed a3 IDLE after 10 min without the client's DONE")]
    [InlineData(29.9, "the server completed a3 IDLE after 29.9 min without the client's DONE")]
    [InlineData(30, null)]
    public void AServerThatCompletesIdleBeforeThirtyMinutes_WithoutDone_IsAWarning(double minutes, string? expected)
    {
        using var session = Idling().Wait(TimeSpan.FromMinutes(minutes)).Server("a3 OK IDLE terminated\r\n");

        var findings = IdleFindings(session);

        Assert.Equal(expected is null ? [] : [("server-ended-idle-early", Severity.Warning, expected)], findings.Select(f => (f.Rule, f.Severity, f.Detail())));
        if (expected is not null) Assert.Equal(2, findings[0].Evidence.Count);
    }

    [Fact]
    public void AnIdleRefusedBeforeItsContinuation_OrAnsweredUnderAnotherTag_IsNotAnIdleEnded()
    {
        using var refused = new ScriptedSession()
            .Server("* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n")
            .Client("a3 IDLE\r\n")
            .Wait(TimeSpan.FromMinutes(1))
            .Server("a3 NO not now\r\n");
        // Another command's answer while idling (a client pipelining badly) does not end this IDLE.
        using var otherTag = Idling().Wait(TimeSpan.FromMinutes(2)).Server("a2 OK late\r\n").Wait(TimeSpan.FromMinutes(1))
            .Client("DONE\r\n").Server("a3 OK done\r\n");

        Assert.Empty(IdleFindings(refused));
        Assert.Empty(IdleFindings(otherTag));
    }

    [Fact]
    public void UntaggedDataBeforeTheContinuation_IsSaidOncePerIdle_NamingTheFirst()
    {
        using var session = Idling("a3").Client("DONE\r\n").Server("a3 OK done\r\n")
            .Client("a4 IDLE\r\n")
            .Server("* OK still here\r\n* 5 EXISTS\r\n+ idling\r\n")
            .Client("DONE\r\n")
            .Server("a4 OK done\r\n");

        var finding = Assert.Single(IdleFindings(session));

        Assert.Equal(("idle-data-before-continuation", "'* OK' came after a4 IDLE and before '+'"), (finding.Rule, finding.Detail()));
    }

    [Theory]
    [InlineData(CloseReason.ServerClosed, 0.5, "server-ended-idle-early", "the server closed the connection 30 s into a3 IDLE")]
    [InlineData(CloseReason.ServerReset, 1.5, "server-ended-idle-early", "the server closed the connection 1.5 min into a3 IDLE")]
    // Not early at 30 minutes; but the client had not renewed it for 29.
    [InlineData(CloseReason.ServerClosed, 30, "idle-held-too-long", "a3 IDLE lasted 30 min until the session ended")]
    [InlineData(CloseReason.ClientClosed, 10, null, null)]
    [InlineData(CloseReason.ClientClosed, 29, null, null)]
    [InlineData(CloseReason.ClientClosed, 40, "idle-held-too-long", "a3 IDLE lasted 40 min until the session ended")]
    [InlineData(CloseReason.ServerClosed, 40, "idle-held-too-long", "a3 IDLE lasted 40 min until the session ended")]
    public void ASessionThatEndsInIdle_SaysWhoEndedItAndWhen(CloseReason reason, double minutes, string? rule, string? expected)
    {
        using var session = Idling().Wait(TimeSpan.FromMinutes(minutes));

        var findings = IdleFindings(session, reason);

        Assert.Equal(rule is null ? [] : [(rule, expected)], findings.Select(f => (f.Rule, (string?)f.Detail())));
    }
}
