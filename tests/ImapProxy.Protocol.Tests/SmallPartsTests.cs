using ImapProxy.Protocol.Responses;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Tests;

/// <summary>The parser's defaults, response codes' typed fields, and how raw bytes are shown in previews.</summary>
public class SmallPartsTests
{
    [Fact]
    public void Defaults_RedactSecrets_AndBoundEverySession()
    {
        var options = new ImapParserOptions();

        Assert.True(options.RedactSecrets);
        Assert.Equal((8 * 1024 * 1024, 64 * 1024, 100, 10_000, 1024 * 1024),
            (options.MaxLineLength, options.MaxInlineLiteral, options.MaxNestingDepth, options.MaxPendingCommands, options.MaxHeldClientBytes));
        Assert.Equal(options, ImapParserOptions.Default);
    }

    [Theory]
    [InlineData("UIDNEXT 4392", 4392UL)]
    [InlineData("UNSEEN 12", 12UL)]
    [InlineData("HIGHESTMODSEQ 715194045007", 715194045007UL)] // RFC 7162 §3.1.2.1
    [InlineData("APPENDLIMIT 35651584", 35651584UL)] // RFC 7889 §4
    [InlineData("UIDNEXT 1 2", null)] // one number or none
    public void NumberCodes_CarryTheirNumber(string code, ulong? number)
    {
        var response = Code($"* OK [{code}] text");

        Assert.Equal(number, response.Number);
        Assert.Equal(code.Split(' ')[1..], response.Arguments!.Select(a => a.AsText()));
    }

    [Fact]
    public void ListCodes_AndUidPlusCodes_AreTyped()
    {
        Assert.Equal(["UTF-8", "US-ASCII"], Code("a1 NO [BADCHARSET (UTF-8 US-ASCII)] no").Items!);
        var appended = Code("a1 OK [APPENDUID 38505 3955] done");
        Assert.Equal((38505UL, "3955"), (appended.UidValidity!.Value, appended.DestinationUids));
        Assert.Null(Code("* OK [ALERT] hi").Arguments);
        Assert.Null(Code("* OK [BADCHARSET] no list").Items);
    }

    private static ResponseCode Code(string line)
    {
        var steps = Transcript.Of(("S", "* PREAUTH ready\r\n"), ("C", "a1 NOOP\r\n"), ("S", line + "\r\n"));
        return ParsedSession.Run(steps).Frames.OfType<ResponseFrame>().Last().Code!;
    }

    [Theory]
    [InlineData(new byte[] { (byte)'a', (byte)' ', (byte)'~' }, 120, "a ~")]
    [InlineData(new byte[] { (byte)'\r', (byte)'\n', (byte)'\\', 0x1F, 0x7F, 0xC3 }, 120, "\\r\\n\\\\\\x1F\\x7F\\xC3")]
    [InlineData(new byte[] { (byte)'a', (byte)'b', (byte)'c' }, 2, "ab…")]
    [InlineData(new byte[] { (byte)'a', (byte)'b' }, 2, "ab")]
    public void Previews_ShowPrintableAsciiAsIs_AndEscapeTheRest(byte[] bytes, int max, string shown) =>
        Assert.Equal(shown, ByteText.Escape(bytes, max));

    [Theory]
    [InlineData("0", 0UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)] // number64 (RFC 9051 §9) at its largest
    [InlineData("00000000000000000001", 1UL)] // twenty digits
    [InlineData("18446744073709551616", null)] // one more overflows
    [InlineData("99999999999999999999", null)]
    [InlineData("000000000000000000001", null)] // twenty-one digits
    [InlineData("", null)]
    [InlineData("12a", null)]
    [InlineData("-1", null)] // RFC 3501 §9: number = 1*DIGIT, no sign
    public void Numbers_AreAsciiDigits_WithoutOverflow(string text, ulong? number)
    {
        var parsed = ImapValue.TryParseNumber(text, out var value);

        Assert.Equal(number, parsed ? value : null);
    }

    [Fact]
    public void OnlyAnAtom_IsAnAtom()
    {
        // RFC 3501 §4: "UID" quoted is a string, not the atom UID; NIL and lists are neither.
        Assert.True(new ImapAtom("uid").IsAtom("UID"));
        Assert.False(new ImapString("UID"u8.ToArray(), null).IsAtom("UID"));
        Assert.False(ImapNil.Instance.IsAtom("NIL"));
        Assert.False(new ImapList([new ImapAtom("UID")]).IsAtom("UID"));
    }

    [Fact]
    public void Values_AreEqualByWhatTheyHold()
    {
        Assert.Equal(new ImapString("a"u8.ToArray(), null), new ImapString("a"u8.ToArray(), null));
        Assert.NotEqual(new ImapString("a"u8.ToArray(), null), new ImapString("b"u8.ToArray(), null));
        // An empty string is not a literal whose bytes were not kept.
        Assert.NotEqual(new ImapString([], null), new ImapString(null, null));
        Assert.False(new ImapString([], null).Equals(null));
        Assert.Equal(new ImapList([new ImapAtom("A"), ImapNil.Instance]), new ImapList([new ImapAtom("A"), ImapNil.Instance]));
        Assert.NotEqual(new ImapList([new ImapAtom("A")]), new ImapList([new ImapAtom("B")]));
        Assert.False(new ImapList([]).Equals(null));
    }
}
