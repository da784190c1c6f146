using System.Text;
using ImapProxy.Capture.Faults;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Framing;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tests.Faults;

/// <summary>The applier without sockets: a parser feeds it frames, the test feeds it the server's bytes and reads the steps.</summary>
public sealed class SessionFaultsTests
{
    private const string Greeting = "* OK [CAPABILITY IMAP4rev1 IDLE LITERAL+] ready\r\n";

    [Fact]
    public void NoRuleSelects_BytesPassUnchanged_EachResponseWhenWhole()
    {
        var session = new Played(Rule(_ => false, new CloseFault(null)));
        Assert.Equal(Greeting, session.Server(Greeting).Sent);
        session.Client("a1 FETCH 1 BODY[]\r\n");

        Assert.Equal("", session.Server("* 1 FETCH (BODY[] {11}\r\nhello").Sent);
        var rest = session.Server(" world)\r\na1 OK done\r\n");

        Assert.Equal("* 1 FETCH (BODY[] {11}\r\nhello world)\r\na1 OK done\r\n", rest.Sent);
        Assert.Empty(rest.Recorded);
    }

    [Fact]
    public void Status_ReplacesTheTaggedCompletion_OfTheSelectedCommand_AndRecordsBothSides()
    {
        var rule = Rule(Command("SELECT"), new StatusFault(FaultStatus.No, null));
        var session = new Played(rule);
        session.Server(Greeting);
        session.Client("a1 SELECT INBOX\r\n");

        var steps = session.Server("* 3 EXISTS\r\na1 OK [READ-WRITE] SELECT completed\r\n");

        Assert.Equal("* 3 EXISTS\r\na1 NO ImapProxy fault: the server answered OK and ran the command\r\n", steps.Sent);
        var action = Assert.Single(steps.Recorded);
        Assert.Equal("fault", action.Action);
        Assert.Equal(@"a1 OK [READ-WRITE] SELECT completed\r\n", action.Original);
        Assert.Equal(@"a1 NO ImapProxy fault: the server answered OK and ran the command\r\n", action.Bytes);
        Assert.Contains("the server did run the command", action.Description);
        Assert.Equal(1, session.Rules.Current[0].Fired);
    }

    [Fact]
    public void LiteralTruncate_CutsTheBody_AndItsHeader()
    {
        var session = new Played(Rule(Command("FETCH"), new LiteralTruncateFault(5)));
        session.Server(Greeting);
        session.Client("a1 FETCH 1 (RFC822.SIZE BODY[])\r\n");

        var steps = session.Server("* 1 FETCH (RFC822.SIZE 11 BODY[] {11}\r\nhello world)\r\na1 OK done\r\n");

        Assert.Equal("* 1 FETCH (RFC822.SIZE 11 BODY[] {5}\r\nhello)\r\na1 OK done\r\n", steps.Sent);
    }

    [Fact]
    public void Rfc822Size_And_Corrupt_LeaveTheFramingReadable()
    {
        var session = new Played(Rule(Command("FETCH"), new Rfc822SizeFault(new SizeChange(SizeChangeKind.Add, 100))),
            Rule(Command("FETCH"), new LiteralCorruptFault()));
        session.Server(Greeting);
        session.Client("a1 FETCH 1 (RFC822.SIZE BODY[])\r\n");

        var sent = session.Server("* 1 FETCH (RFC822.SIZE 2 BODY[] {2}\r\nAB)\r\na1 OK done\r\n").Sent;

        Assert.Equal("* 1 FETCH (RFC822.SIZE 102 BODY[] {2}\r\n\u00BE\u00BD)\r\na1 OK done\r\n", sent);
    }

    [Fact]
    public void CloseAfterBytes_SendsThatMany_ThenCloses()
    {
        var session = new Played(Rule(Command("FETCH"), new CloseFault(30)));
        session.Server(Greeting);
        session.Client("a1 FETCH 1 BODY[]\r\n");

        var steps = session.Server("* 1 FETCH (BODY[] {11}\r\nhello world)\r\na1 OK done\r\n");

        Assert.Equal("* 1 FETCH (BODY[] {11}\r\nhello ", steps.Sent);
        Assert.IsType<CloseStep>(steps.Steps[^1]);
    }

    [Fact]
    public void Times_LimitsTheAnswersAltered()
    {
        var session = new Played(Rule(Command("NOOP"), new StatusFault(FaultStatus.Bad, "nope"), times: 1));
        session.Server(Greeting);
        session.Client("a1 NOOP\r\n");
        Assert.Equal("a1 BAD nope\r\n", session.Server("a1 OK NOOP done\r\n").Sent);
        session.Client("a2 NOOP\r\n");
        Assert.Equal("a2 OK NOOP done\r\n", session.Server("a2 OK NOOP done\r\n").Sent);
    }

    [Fact]
    public void Probability_IsTheDice()
    {
        var session = new Played([Rule(Command("NOOP"), new StatusFault(FaultStatus.No, "x"), probability: 0.5)], dice: 0.7);
        session.Server(Greeting);
        session.Client("a1 NOOP\r\n");
        Assert.Equal("a1 OK done\r\n", session.Server("a1 OK done\r\n").Sent);
    }

    [Fact]
    public void Capabilities_AreEdited_InCodesAndInCapabilityAnswers()
    {
        var session = new Played(Rule(_ => true, new CapabilityFault(CapabilityEdit.Drop, "idle")));
        Assert.Equal("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n", session.Server(Greeting).Sent);
        session.Client("a1 CAPABILITY\r\n");
        Assert.Equal("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK done\r\n", session.Server("* CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN\r\na1 OK done\r\n").Sent);
    }

    [Fact]
    public void Inject_GoesBeforeTheTaggedCompletion_Once()
    {
        var session = new Played(Rule(Command("NOOP"), new InjectFault("* 0 EXISTS")));
        session.Server(Greeting);
        session.Client("a1 NOOP\r\n");
        var steps = session.Server("* 2 RECENT\r\na1 OK done\r\n");
        Assert.Equal("* 2 RECENT\r\n* 0 EXISTS\r\na1 OK done\r\n", steps.Sent);
        Assert.Equal(@"* 0 EXISTS\r\n", Assert.Single(steps.Recorded).Bytes);
    }

    [Fact]
    public void Delay_OnACommand_HoldsTheCommand()
    {
        var session = new Played(Rule(Command("NOOP"), new DelayFault(TimeSpan.FromSeconds(2))));
        session.Server(Greeting);
        var steps = session.Client("a1 NOOP\r\n");
        Assert.Equal(new WaitStep(TimeSpan.FromSeconds(2)), steps[^1]);
        Assert.Equal("a1 OK done\r\n", session.Server("a1 OK done\r\n").Sent);
    }

    [Fact]
    public void AResponseTooLargeToHold_PassesUnaltered()
    {
        var session = new Played(Rule(Command("FETCH"), new LiteralCorruptFault()));
        session.Server(Greeting);
        session.Client("a1 FETCH 1 BODY[]\r\n");
        var size = SessionFaults.MaxHeld + 10;
        var head = session.Server($"* 1 FETCH (BODY[] {{{size}}}\r\n" + new string('x', size - 10));
        // Once passing, the rest of that response goes on as it comes, not held again.
        Assert.Equal("xxxxx", session.Server("xxxxx").Sent);
        var tail = session.Server("xxxxx)\r\na1 OK done\r\n");
        Assert.Equal($"* 1 FETCH (BODY[] {{{size}}}\r\n" + new string('x', size - 5), head.Sent + "xxxxx");
        Assert.Equal("xxxxx)\r\na1 OK done\r\n", tail.Sent);
        Assert.Empty(tail.Recorded);
    }

    [Fact]
    public void StartTlsAnswer_KeepsItsStatus_TheRelayFollowsTheServers()
    {
        var session = new Played(Rule(Command("STARTTLS"), new StatusFault(FaultStatus.No, null)));
        session.Server(Greeting);
        session.Client("a1 STARTTLS\r\n");
        Assert.Equal("a1 OK Begin TLS\r\n", session.Server("a1 OK Begin TLS\r\n").Sent);
    }

    // ---- the conversation ----

    private static FaultRule Rule(Func<ImapFrame, bool> selects, FaultAction action, int? times = null, double? probability = null) =>
        new("test rule", new FrameFilter(selects), action, times, probability);

    private static Func<ImapFrame, bool> Command(string name) => f => f is CommandFrame c && c.Name == name;

    private sealed class FrameFilter(Func<ImapFrame, bool> selects) : IFaultFilter
    {
        public string Text => "test";
        public bool Selects(FaultSession session, ImapFrame frame) => selects(frame);
    }

    private sealed class Played : IImapSink
    {
        private readonly ImapSessionParser parser;
        private readonly SessionFaults faults;

        public Played(params FaultRule[] rules) : this(rules, dice: 0) { }

        public Played(FaultRule[] rules, double dice)
        {
            Rules = new FaultRuleSet(rules);
            faults = new SessionFaults(Rules, () => new FaultSession(1, "127.0.0.1:5000", "imap.example.com:993", null, null), () => dice);
            parser = new ImapSessionParser(this);
        }

        public FaultRuleSet Rules { get; }

        public IReadOnlyList<FaultStep> Client(string text)
        {
            parser.Feed(Direction.Client, Encoding.Latin1.GetBytes(text));
            return faults.TakeCommandSteps();
        }

        public Output Server(string text)
        {
            var bytes = Encoding.Latin1.GetBytes(text);
            parser.Feed(Direction.Server, bytes);
            return new Output(faults.OnServerBytes(bytes));
        }

        void IImapSink.OnFrame(ImapFrame frame) => faults.OnFrame(frame);

        void IImapSink.OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal) { }
    }

    private sealed record Output(IReadOnlyList<FaultStep> Steps)
    {
        public string Sent => string.Concat(Steps.OfType<SendStep>().Select(s => Encoding.Latin1.GetString(s.Bytes)));
        public IReadOnlyList<ProxyAction> Recorded => Steps.OfType<RecordStep>().Select(r => r.Action).ToList();
    }
}
