using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Responses;

namespace ImapProxy.Protocol.Tests;

/// <summary>Inputs from the reference corpus (Apache James, imaptest, MailKit's Gmail recordings) that once went wrong.</summary>
public class CorpusRegressionTests
{
    [Fact]
    public void AuthenticateWithALiteralInitialResponse_IsRedacted_AndTheUserKept()
    {
        // James: the SASL-IR initial response sent as a literal; base64 of "\0imapuser\0password".
        var session = ParsedSession.Run(Transcript.Of(
            ("S", "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN] ready\r\n"),
            ("C", "0001 AUTHENTICATE PLAIN {24+}\r\nAGltYXB1c2VyAHBhc3N3b3Jk\r\n"),
            ("S", "0001 OK done\r\n")));

        Assert.Equal("0001 AUTHENTICATE PLAIN {24+}\r\n************************\r\n", session.ClientText);
        var command = Assert.IsType<CommandFrame>(session.Frames.First(f => f is CommandFrame));
        Assert.Equal("imapuser", Assert.IsType<AuthenticateArgs>(command.Args).User);
        Assert.Equal([new ByteRange(31, 24)], command.Redactions);
        Assert.Null(command.Diagnostics);
        Assert.Equal("imapuser", session.Frames.OfType<StateChangeFrame>().Last().User);
    }

    [Fact]
    public void OpenBracketInAnAtom_IsAnAtomChar()
    {
        // imaptest "atoms": RFC 3501 allows '[' in an atom.
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "1.3 SELECT a[b\r\n"), ("S", "* LIST () \"/\" a[b\r\n1.3 OK done\r\n")));

        Assert.Equal("a[b", Assert.IsType<SelectArgs>(session.Frames.OfType<CommandFrame>().Single().Args).Mailbox);
        Assert.Equal("a[b", session.Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<ListData>().Single().Mailbox);
        Assert.Empty(session.Frames.SelectMany(f => f.Diagnostics ?? []));
    }

    [Fact]
    public void StatusWithMailboxId_KeepsTheNonNumericItem()
    {
        // Gmail: STATUS ... MAILBOXID (RFC 8474 §4.2).
        var session = ParsedSession.Run(Transcript.Of(("S", "* STATUS INBOX (MESSAGES 1 MAILBOXID (F2212ea87-6097))\r\n")),
            options: ImapParserOptions.Default with { Directions = FedDirections.ServerOnly });

        var status = session.Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<StatusData>().Single();
        Assert.Equal(1UL, status.Items["MESSAGES"]);
        Assert.Contains("MAILBOXID", status.Other!.Keys);
        Assert.Empty(session.Frames.SelectMany(f => f.Diagnostics ?? []));
    }

    [Fact]
    public void ClientOnly_ReusedTags_AreNotFlagged()
    {
        var session = ParsedSession.FromClient("a1 NOOP\r\na1 NOOP\r\n");

        Assert.Empty(session.Frames.SelectMany(f => f.Diagnostics ?? []));
    }

    [Fact]
    public void QuotedStringFollowedByAnAtom_HasNoStaleUnescapedQuoteDiagnostic()
    {
        var session = ParsedSession.FromClient("b13 LIST \"\" \"*\"RETURN (SUBSCRIBED)\r\n");

        Assert.DoesNotContain(session.Frames.SelectMany(f => f.Diagnostics ?? []), d => d.Rule == "unescaped-quote");
        Assert.Equal(["*"], Assert.IsType<ListArgs>(session.Frames.OfType<CommandFrame>().Single().Args).Patterns);
    }

    [Fact]
    public void OnlyTheFirstServerResponse_CanBeTheGreeting()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", "* FLAGS (\\Seen)\r\n* OK [UIDNEXT 5] x\r\n")),
            options: ImapParserOptions.Default with { Directions = FedDirections.ServerOnly });

        Assert.DoesNotContain(session.Frames.OfType<ResponseFrame>(), r => r.ResponseKind == ResponseKind.Greeting);
    }
}
