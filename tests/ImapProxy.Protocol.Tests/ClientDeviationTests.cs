namespace ImapProxy.Protocol.Tests;

/// <summary>What a client does against the capabilities and the state the server announced, named where it happens.</summary>
public class ClientDeviationTests
{
    private static List<(string Tag, string Rule)> Rules(ParsedSession session) =>
        session.Frames.Where(f => f.Diagnostics is not null)
            .SelectMany(f => f.Diagnostics!.Select(d => (f is CommandFrame c ? c.Tag : f.GetType().Name, d.Rule))).ToList();

    private static ParsedSession Run(string capabilities, string literal) => ParsedSession.Run(Transcript.Of(
        ("S", $"* OK [CAPABILITY IMAP4rev1 {capabilities}] ready\r\n"), ("C", "a1 LOGIN alice secret\r\n"), ("S", "a1 OK in\r\n"),
        ("C", $"a2 APPEND INBOX {{{literal.Length}+}}\r\n{literal}\r\n"), ("S", "a2 OK done\r\n")));

    [Fact]
    public void NonSynchronizingLiterals_AreCheckedAgainstLiteralPlusAndLiteralMinus()
    {
        // RFC 7888 §5: with LITERAL- only, a non-synchronizing literal may carry 4096 bytes at most.
        Assert.Empty(Rules(Run("LITERAL-", new string('x', 4096))));
        Assert.Equal([("a2", "literal-minus-too-large")], Rules(Run("LITERAL-", new string('x', 4097))));
        Assert.Empty(Rules(Run("LITERAL+", new string('x', 4097))));
        Assert.Equal([("a2", "literal-plus-not-announced")], Rules(Run("IDLE", "hello")));
        // RFC 3501 §9: capability names are case-insensitive, and sorted among others they still count.
        Assert.Empty(Rules(Run("AUTH=PLAIN ZZZ literal+ ID", new string('x', 4097))));
    }

    [Fact]
    public void ALineOtherThanDoneDuringIdle_IsNamed_AndEndsIdle()
    {
        // As Dovecot answers it: the IDLE command fails ("Expected DONE") and the line is not run.
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready\r\n"),
            ("C", "a1 IDLE\r\n"), ("S", "+ idling\r\n"), ("C", "a2 NOOP\r\n"), ("S", "a1 BAD Expected DONE.\r\n")));

        Assert.Equal([("a2", "expected-done")], Rules(session));
        Assert.Equal("a1", session.Frames.OfType<ResponseFrame>().Single(r => r.Completes is not null).Completes!.Tag);
        Assert.False(session.Frames.OfType<StateChangeFrame>().Last().Idle);
    }

    [Fact]
    public void ClientOnlyStream_AssumesTheContinuations_ItCannotSee()
    {
        // A client's stream alone (lint --from client): IDLE and AUTHENTICATE are taken as accepted.
        var session = ParsedSession.FromClient("a1 IDLE\r\nDONE\r\na2 AUTHENTICATE PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\na3 NOOP\r\n");

        Assert.Equal([ClientLineKind.IdleDone, ClientLineKind.AuthenticateResponse], session.Frames.OfType<ClientLineFrame>().Select(l => l.LineKind));
        Assert.Equal(["a1", "a2", "a3"], session.Frames.OfType<CommandFrame>().Select(c => c.Tag));
        Assert.Contains(session.Frames.OfType<StateChangeFrame>(), s => s.Idle);
        Assert.DoesNotContain("c2VjcmV0", session.ClientText);
        Assert.Empty(Rules(session));
    }
}
