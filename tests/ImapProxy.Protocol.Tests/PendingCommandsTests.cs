using ImapProxy.Protocol.Diagnostics;

namespace ImapProxy.Protocol.Tests;

/// <summary>Commands in progress are tracked by tag (RFC 3501 §2.2.1), and only so many: a client whose commands are
/// never answered cannot make the parser grow without bound.</summary>
public class PendingCommandsTests
{
    private static List<(string Text, string Rule)> Diagnosed(ParsedSession session) =>
        session.Frames.Where(f => f.Diagnostics is not null)
            .SelectMany(f => f.Diagnostics!.Select(d => (Tag(f), d.Rule))).ToList();

    private static string Tag(ImapFrame frame) => frame switch
    {
        CommandFrame c => "C " + c.Tag,
        ResponseFrame r => "S " + r.Tag,
        _ => frame.GetType().Name,
    };

    [Fact]
    public void BeyondTheLimit_TheOldestCommandIsForgotten_AndItsAnswerIsUnknown()
    {
        var options = ImapParserOptions.Default with { MaxPendingCommands = 2 };
        var steps = new List<Step>(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "x1 IDLE\r\n"), ("S", "+ idling\r\n"), ("C", "DONE\r\n")));
        // Five answered commands between: completed tags must not count, however many the parser has seen.
        for (var i = 1; i <= 5; i++) steps.AddRange(Transcript.Of(("C", $"y{i} NOOP\r\n"), ("S", $"y{i} OK\r\n")));
        steps.AddRange(Transcript.Of(("C", "z1 NOOP\r\nz2 NOOP\r\n"), ("S", "x1 OK\r\nz1 OK\r\nz2 OK\r\n")));

        var session = ParsedSession.Run(steps, options: options);

        // x1 is never answered before z2 makes three in progress: z2 reports it, and x1's late answer is unknown.
        Assert.Equal([("C z2", "too-many-pending-commands"), ("S x1", "unknown-tag")], Diagnosed(session));
        var completed = session.Frames.OfType<ResponseFrame>().Where(r => r.Completes is not null).Select(r => r.Tag);
        Assert.Equal(["y1", "y2", "y3", "y4", "y5", "z1", "z2"], completed);
    }

    [Fact]
    public void ATagReusedWhileInProgress_IsNamed_AndTheNewerCommandIsTheOneCompleted()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 NOOP\r\na1 CAPABILITY\r\n"), ("S", "a1 OK\r\n")));

        Assert.Equal([("C a1", "duplicate-tag")], Diagnosed(session));
        var completion = session.Frames.OfType<ResponseFrame>().Single(r => r.Tag == "a1");
        Assert.Equal("CAPABILITY", completion.Completes!.Name);
        Assert.Equal(Severity.Warning, session.Frames.SelectMany(f => f.Diagnostics ?? []).Single().Severity);
    }
}
