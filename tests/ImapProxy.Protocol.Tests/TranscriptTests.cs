using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Responses;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Tests;

/// <summary>What a user reading each recorded conversation should see.</summary>
public class TranscriptTests
{
    private static ParsedSession Parse(string fixture) => ParsedSession.Run(Transcript.Load(fixture));

    private static IEnumerable<string> Rules(ParsedSession s) => s.Frames.SelectMany(f => f.Diagnostics ?? []).Select(d => d.Rule).Distinct();

    public static TheoryData<string> RfcFixtures() => new(Transcript.FixtureNames("rfc"));

    [Theory]
    [MemberData(nameof(RfcFixtures))]
    public void RfcExamples_ParseWithoutErrors_AndEveryCommandIsCompleted(string fixture)
    {
        var session = Parse(fixture);

        Assert.DoesNotContain(session.Frames, f => f is MalformedFrame);
        Assert.DoesNotContain(session.Frames.SelectMany(f => f.Diagnostics ?? []), d => d.Severity == Diagnostics.Severity.Error);
        var commands = session.Frames.OfType<CommandFrame>().ToList();
        var completed = session.Frames.OfType<ResponseFrame>().Where(r => r.Completes is not null).Select(r => r.Completes!.Offset).ToHashSet();
        Assert.NotEmpty(commands);
        Assert.All(commands, c => Assert.Contains(c.Offset, completed));
    }

    [Fact]
    public void Rfc3501Sample_FetchFullAndHeaderLiteral()
    {
        var session = Parse("rfc/rfc3501-section8.txt");

        var fetches = session.Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<FetchData>().ToList();
        var full = fetches[0];
        Assert.Equal(4286UL, full.Rfc822Size);
        Assert.Equal("IMAP4rev1 WG mtg summary and minutes", full.Envelope!.Subject);
        Assert.Equal(["gray@cac.washington.edu"], full.Envelope.From!.Select(a => a.Email));
        Assert.Equal(2, full.Envelope.Cc!.Count);
        Assert.Equal(("TEXT", "PLAIN", 3028UL, 92UL), (full.Body!.Type, full.Body.Subtype, full.Body.Size!.Value, full.Body.Lines!.Value));
        var header = Assert.Single(fetches[1].Sections!);
        Assert.Equal(("HEADER", 342L), (header.Section, header.Size));

        var states = session.Frames.OfType<StateChangeFrame>().Select(s => (s.State, s.Mailbox)).ToList();
        Assert.Equal([(ProtocolState.NotAuthenticated, null), (ProtocolState.Authenticated, null),
            (ProtocolState.Selected, "inbox"), (ProtocolState.Logout, "inbox")], states);
    }

    [Fact]
    public void Literals_SynchronizingAcceptedAndRefused_NonSynchronizing_Literal8_MultiAppend()
    {
        var session = Parse("rfc/literals.txt");
        var commands = session.Frames.OfType<CommandFrame>().ToDictionary(c => c.Tag);

        Assert.Equal("alice", Assert.IsType<LoginArgs>(commands["a1"].Args).User);
        Assert.True(commands["a1"].Literals![1].Redacted);
        // The kept body of a password literal is overwritten too, not only the bytes passed on.
        Assert.All(commands["a1"].Literals![1].Content!, b => Assert.Equal((byte)'*', b));
        Assert.DoesNotContain("secret", session.ClientText);

        // a2's literal was refused: the command ends at its header and a3 is read as a new command.
        Assert.Null(commands["a2"].Literals);
        Assert.Null(commands["a2"].Diagnostics);
        var a3 = Assert.IsType<AppendArgs>(commands["a3"].Args);
        Assert.Equal((22L, true), (a3.Messages[0].Message!.Length, a3.Messages[0].Message!.NonSynchronizing));
        Assert.Equal(2, Assert.IsType<AppendArgs>(commands["a4"].Args).Messages.Count);
        Assert.True(Assert.IsType<AppendArgs>(commands["a5"].Args).Messages[0].Message!.Binary);
        Assert.NotNull(Assert.IsType<AppendArgs>(commands["a6"].Args).Messages[0].Catenate);
        Assert.Equal("INBOX", Assert.IsType<SelectArgs>(commands["a7"].Args).Mailbox);

        var fetch = session.Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<FetchData>().Single();
        Assert.Equal(["BODY[]", "BINARY[1]"], fetch.Sections!.Select(s => s.Item));
        Assert.Equal("hi", fetch.Envelope!.Subject);
        var list = session.Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<ListData>().First();
        Assert.Equal(("Entwürfe/x", "Entw&APw-rfe/x"), (list.Mailbox, list.RawMailbox));
    }

    [Fact]
    public void Authenticate_UserVisible_SecretsRedacted_IdleFollowed()
    {
        var session = Parse("rfc/authenticate.txt");

        var lines = session.Frames.OfType<ClientLineFrame>().ToList();
        Assert.Equal([ClientLineKind.AuthenticateCancel, ClientLineKind.AuthenticateResponse, ClientLineKind.IdleDone], lines.Select(l => l.LineKind));
        Assert.Equal(("alice", Redaction.Marker), (lines[1].User, lines[1].Text));
        Assert.DoesNotContain("AGFsaWNlAHNlY3JldC1hbGljZQ==", session.ClientText);
        var states = session.Frames.OfType<StateChangeFrame>().ToList();
        Assert.Contains(states, s => s is { Idle: true, User: "alice", State: ProtocolState.Authenticated });
        Assert.False(states[^1].Idle);
    }

    [Fact]
    public void AuthenticateLogin_UserNameKept_PasswordRedacted_XOAuth2UserRead()
    {
        var session = Parse("rfc/authenticate-login.txt");

        var lines = session.Frames.OfType<ClientLineFrame>().ToList();
        Assert.Equal(["Ym9i", Redaction.Marker], lines.Select(l => l.Text));
        // RFC 3501 §6.2.2: each "+" challenge is answered by one line; none of the server's "+" is unexpected.
        Assert.DoesNotContain("unexpected-continuation", Rules(session));
        Assert.Equal("bob", session.Frames.OfType<StateChangeFrame>().Last().User);
        Assert.DoesNotContain("c2VjcmV0LWJvYg==", session.ClientText);
        var xoauth = session.Frames.OfType<CommandFrame>().Single(c => c.Tag == "a2");
        Assert.Equal("carol@example.com", Assert.IsType<AuthenticateArgs>(xoauth.Args).User);
        Assert.DoesNotContain("dXNlcj1j", session.ClientText);
    }

    [Fact]
    public void StartTls_TransportChangesInBothDirections_CapabilitiesForgotten()
    {
        var session = Parse("rfc/starttls.txt");

        var changes = session.Frames.OfType<TransportChangeFrame>().ToList();
        Assert.Equal([(Direction.Client, 13L), (Direction.Server, 91L)], changes.Select(c => (c.Direction, c.Offset)));
        Assert.All(changes, c => Assert.Equal(Transport.Tls, c.Transport));
        var afterTls = session.Frames.OfType<StateChangeFrame>().First(s => s.Tls);
        Assert.Empty(afterTls.Capabilities);
        Assert.Contains("AUTH=PLAIN", session.Frames.OfType<StateChangeFrame>().Last().Capabilities);
    }

    [Fact]
    public void States_SelectExamineCloseAndExtensions()
    {
        var session = Parse("rfc/select-states.txt");

        var states = session.Frames.OfType<StateChangeFrame>().Select(s => (s.State, s.Mailbox, s.ReadOnly)).Distinct().ToList();
        Assert.Contains((ProtocolState.Selected, "INBOX", false), states);
        Assert.Contains((ProtocolState.Selected, "日本語", true), states);
        Assert.Equal((ProtocolState.Authenticated, null, true), states[^1]);
        var data = session.Frames.OfType<ResponseFrame>().Select(r => r.Data).ToList();
        Assert.Equal(231UL, data.OfType<StatusData>().Single().Items["MESSAGES"]);
        Assert.Equal("3", data.OfType<ESearchData>().Single().Items["COUNT"]);
        Assert.Equal(917162500UL, data.OfType<SearchData>().Single().ModSeq);
        Assert.Equal(["~"], data.OfType<NamespaceData>().Single().OtherUsers!.Select(n => n.Prefix));
        var search = session.Frames.OfType<CommandFrame>().Single(c => c.Tag == "a8");
        var criteria = Assert.IsType<SearchAnd>(Assert.IsType<SearchArgs>(search.Args).Criteria);
        Assert.IsType<SearchOr>(criteria.Keys[0]);
        var codes = session.Frames.OfType<ResponseFrame>().Where(r => r.Code is not null).ToDictionary(r => r.Code!.Name, r => r.Code!);
        Assert.Equal(3857529045UL, codes["UIDVALIDITY"].Number);
        Assert.Contains("\\*", codes["PERMANENTFLAGS"].Items!);
        Assert.Equal(("1:4", "11:14"), (codes["COPYUID"].SourceUids, codes["COPYUID"].DestinationUids));
    }

    [Theory]
    [InlineData("quirks/exchange.txt", "nil-body-encoding", "string-disposition")]
    [InlineData("quirks/gmail.txt", "empty-multipart")]
    [InlineData("quirks/icloud.txt", "unescaped-quote")]
    [InlineData("quirks/outlook.txt", "extra-space")]
    [InlineData("quirks/misc.txt", "lowercase-keyword", "unexpected-line", "quoted-8bit")]
    [InlineData("quirks/structure-kept.txt", "code-without-status", "envelope-extra-list", "negative-modseq", "section-without-value")]
    public void ServerQuirks_AreParsedAndFlagged(string fixture, params string[] expectedRules)
    {
        var session = Parse(fixture);

        Assert.Equal(expectedRules.Order(), Rules(session).Order());
        Assert.DoesNotContain(session.Frames, f => f is MalformedFrame);
        Assert.All(session.Frames.OfType<ResponseFrame>().Where(r => r.Name == "FETCH"), r => Assert.IsType<FetchData>(r.Data));
    }

    [Fact]
    public void QuirksThatOtherClientsReadThrough_KeepTheirStructure()
    {
        var session = Parse("quirks/structure-kept.txt");
        var responses = session.Frames.OfType<ResponseFrame>().ToList();

        var alert = Assert.Single(responses, r => r.Code?.Name == "ALERT");
        Assert.Equal((ResponseKind.Untagged, (ResponseStatus?)null, "The mailbox is almost full"), (alert.ResponseKind, alert.Status, alert.Text));
        var envelope = Assert.IsType<FetchData>(responses.Single(r => r.Data is FetchData { SequenceNumber: 1 }).Data).Envelope;
        Assert.Equal(("hello", "ann@example.com", "bob@example.com", "<m1@example.com>"),
            (envelope!.Subject, envelope.From![0].Email, envelope.To![0].Email, envelope.MessageId));
        var modSeq = Assert.IsType<FetchData>(responses.Single(r => r.Data is FetchData { SequenceNumber: 2 }).Data);
        Assert.Null(modSeq.ModSeq);
        Assert.Equal("-5", Assert.IsType<ImapAtom>(Assert.IsType<ImapList>(modSeq.Other!["MODSEQ"]).Items[0]).Text);
        var section = Assert.Single(Assert.IsType<FetchData>(responses.Single(r => r.Data is FetchData { SequenceNumber: 3 }).Data).Sections!);
        Assert.Equal(("1", true), (section.Section, section.Nil));
        Assert.Equal((ulong?)9, ((FetchData)responses.Single(r => r.Data is FetchData { SequenceNumber: 3 }).Data!).Uid);
    }

    [Fact]
    public void Quirks_KeepTheDataAUserNeeds()
    {
        var exchange = Parse("quirks/exchange.txt").Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<FetchData>().Single();
        Assert.Equal(["PLAIN", "PDF"], exchange.BodyStructure!.Parts!.Select(p => p.Subtype));
        Assert.Equal("INLINE", exchange.BodyStructure.Disposition!.Type);
        Assert.Equal("a.pdf", exchange.BodyStructure.Parts![1].Disposition!.Parameters!["filename"]);

        var icloud = Parse("quirks/icloud.txt").Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<FetchData>().Single();
        Assert.Equal("Re: the \"big\" plan", icloud.Envelope!.Subject);
        Assert.Equal("ann@icloud.com", icloud.Envelope.From![0].Email);

        var misc = Parse("quirks/misc.txt").Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<FetchData>().Single();
        Assert.Equal("Grüße aus Köln", misc.Envelope!.Subject);
    }
}
