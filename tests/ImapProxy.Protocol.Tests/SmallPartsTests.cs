using ImapProxy.Protocol.Responses;

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
}
