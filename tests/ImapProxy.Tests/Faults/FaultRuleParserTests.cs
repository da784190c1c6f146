using ImapProxy.Capture.Faults;
using ImapProxy.Faults;

namespace ImapProxy.Tests.Faults;

public sealed class FaultRuleParserTests
{
    [Theory]
    [InlineData("cmd:FETCH => delay 500ms", "delay")]
    [InlineData("cmd:SELECT => close", "close")]
    [InlineData("cmd:FETCH => close after 120 bytes", "close after")]
    [InlineData("cmd:LOGIN => status NO Try again later", "status")]
    [InlineData("status:ok tag:a1 => status BAD", "status")]
    [InlineData("* => drop-capability IDLE", "drop")]
    [InlineData("user:alice => add-capability X-FOO", "add")]
    [InlineData("cmd:FETCH => rfc822-size +100", "size")]
    [InlineData("cmd:FETCH => literal truncate 10", "truncate")]
    [InlineData("cmd:FETCH => literal corrupt", "corrupt")]
    [InlineData("cmd:NOOP => inject \"* BYE shutting down\"", "inject")]
    [InlineData("user:alice => bandwidth 10KB/s", "bandwidth")]
    public void GoodRules_Parse(string text, string kind)
    {
        var rule = FaultRuleParser.Parse(text);
        Assert.Equal(text, rule.Text);
        Assert.Equal(kind switch
        {
            "delay" => new DelayFault(TimeSpan.FromMilliseconds(500)),
            "close" => new CloseFault(null),
            "close after" => new CloseFault(120),
            "status" when text.Contains("NO") => new StatusFault(FaultStatus.No, "Try again later"),
            "status" => new StatusFault(FaultStatus.Bad, null),
            "drop" => new CapabilityFault(CapabilityEdit.Drop, "IDLE"),
            "add" => new CapabilityFault(CapabilityEdit.Add, "X-FOO"),
            "size" => new Rfc822SizeFault(new SizeChange(SizeChangeKind.Add, 100)),
            "truncate" => new LiteralTruncateFault(10),
            "corrupt" => new LiteralCorruptFault(),
            "inject" => new InjectFault("* BYE shutting down"),
            "bandwidth" => new BandwidthFault(10_000),
            _ => (FaultAction)null!,
        }, rule.Action);
        Assert.Null(rule.Times);
        Assert.Null(rule.Probability);
    }

    [Fact]
    public void Modifiers_ComeAfterTheAction_InAnyOrder()
    {
        var rule = FaultRuleParser.Parse("cmd:FETCH => rfc822-size -5 probability 25% times 3");
        Assert.Equal(new Rfc822SizeFault(new SizeChange(SizeChangeKind.Subtract, 5)), rule.Action);
        Assert.Equal(3, rule.Times);
        Assert.Equal(0.25, rule.Probability);
        Assert.Equal(0.5, FaultRuleParser.Parse("cmd:NOOP => close probability 0.5").Probability);
    }

    [Fact]
    public void StatusText_MayBeQuoted_AndHoldModifierWords()
    {
        var rule = FaultRuleParser.Parse("cmd:SELECT => status NO \"[INUSE] times are hard\" times 1");
        Assert.Equal(new StatusFault(FaultStatus.No, "[INUSE] times are hard"), rule.Action);
        Assert.Equal(1, rule.Times);
    }

    [Fact]
    public void Arrow_InsideAQuotedFilterValue_IsNotTheArrow()
    {
        var rule = FaultRuleParser.Parse("text:\"a=>b\" => rfc822-size =0");
        Assert.Equal("text:\"a=>b\"", rule.Filter.Text.Trim());
        Assert.Equal(new Rfc822SizeFault(new SizeChange(SizeChangeKind.Set, 0)), rule.Action);
    }

    [Theory]
    // position is 1-based, as the message says it
    [InlineData("cmd:FETCH", 10, "no '=>'")]
    [InlineData(" => close", 1, "no filter")]
    [InlineData("cmd:FETCH => explode", 14, "unknown action 'explode'")]
    [InlineData("cmd:FETCH => delay soon", 20, "'soon' is not a duration")]
    [InlineData("cmd:FETCH => delay", 19, "a duration (500ms, 5s, 2m) is missing")]
    [InlineData("cmd:FETCH => close after 10", 28, "'bytes' is missing")]
    [InlineData("cmd:FETCH => close before 10 bytes", 20, "'after' is expected here, not 'before'")]
    [InlineData("cmd:FETCH => status MAYBE", 21, "status is NO or BAD")]
    [InlineData("cmd:FETCH => rfc822-size 100", 26, "rfc822-size takes +N, -N or =N")]
    [InlineData("cmd:FETCH => literal shorten 3", 22, "literal truncate N or literal corrupt")]
    [InlineData("cmd:FETCH => inject * 0 EXISTS", 21, "the line in double quotes")]
    [InlineData("cmd:FETCH => inject \"* 0 EXISTS", 21, "not closed")]
    [InlineData("cmd:FETCH => bandwidth fast", 24, "not a rate")]
    [InlineData("cmd:FETCH => close times 0", 26, "times needs a positive whole number")]
    [InlineData("cmd:FETCH => close probability 2", 32, "probability is a share")]
    [InlineData("cmd:FETCH => literal corrupt now", 30, "unexpected 'now'")]
    [InlineData("cmd:FETCH => drop-capability \"ID LE\"", 30, "a capability name (IDLE, CONDSTORE) is expected here")]
    [InlineData("latency>>5 => close", 9, "")]
    [InlineData("nosuchfield:1 => close", 1, "nosuchfield")]
    public void BadRules_SayWhere(string text, int character, string says)
    {
        var e = Assert.Throws<FaultRuleException>(() => FaultRuleParser.Parse(text));
        Assert.Equal(character, e.Position + 1);
        Assert.StartsWith($"at character {character}: ", e.Message);
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void InjectedLine_MustBeOneLine()
    {
        var e = Assert.Throws<FaultRuleException>(() => FaultRuleParser.Parse("cmd:NOOP => inject \"* OK\u0001\""));
        Assert.Contains("printable ASCII on one line", e.Message);
    }
}
