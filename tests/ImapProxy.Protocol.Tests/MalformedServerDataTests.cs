using ImapProxy.Protocol.Responses;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Tests;

/// <summary>
/// Server data that breaks the grammar (Fixtures/malformed/server-data.txt): each response says what is wrong with it
/// (one diagnostic per rule and frame, the first found), and keeps what a client could still use.
/// </summary>
public class MalformedServerDataTests
{
    // Parsed for each test (xUnit makes an instance per test), not once per class: a mutation run changes the parser
    // between tests, and a parse cached in a static would hide it.
    private readonly List<ResponseFrame> responses =
        ParsedSession.Run(Transcript.Load("malformed/server-data.txt")).Frames.OfType<ResponseFrame>().ToList();

    private FetchData Fetch(ulong number) =>
        responses.Select(r => r.Data).OfType<FetchData>().Single(f => f.SequenceNumber == number);

    private ResponseFrame FetchFrame(ulong number) => responses.Single(r => r.Data is FetchData f && f.SequenceNumber == number);

    private static string Problem(ResponseFrame frame) => Assert.Single(frame.Diagnostics!).Message;

    [Theory]
    [InlineData(1, "empty body")]
    [InlineData(2, "5 fields, a single part has at least 7")]
    // The lines field is read before the size: "abc" is named, the quoted size is read as a number (and kept below).
    [InlineData(3, "not a number")]
    // The disposition 42 is read before the parameters "CHARSET", which are wrong too (one diagnostic per rule).
    [InlineData(4, "disposition is not (type params) or NIL")]
    [InlineData(5, "parameter list has an odd number of items")]
    public void BodyStructureDeviations_AreNamed(ulong message, string detail)
    {
        Assert.Equal($"BODYSTRUCTURE deviates from the grammar: {detail}", Problem(FetchFrame(message)));
        Assert.Equal("bodystructure", FetchFrame(message).Diagnostics![0].Rule);
    }

    [Fact]
    public void BodyStructure_KeepsWhatParses()
    {
        Assert.Null(Fetch(1).BodyStructure);
        Assert.Null(Fetch(2).BodyStructure);
        var quotedSize = Fetch(3).BodyStructure!;
        Assert.Equal((120UL, (ulong?)null, "us-ascii"), (quotedSize.Size!.Value, quotedSize.Lines, quotedSize.Parameters!["charset"]));
        var badParameters = Fetch(4).BodyStructure!;
        Assert.Equal(("TEXT", "PLAIN", 10UL, 1UL), (badParameters.Type, badParameters.Subtype, badParameters.Size!.Value, badParameters.Lines!.Value));
        Assert.Null(badParameters.Parameters);
        Assert.Null(badParameters.Disposition);
    }

    [Fact]
    public void SinglePart_EveryExtensionFieldIsRead()
    {
        var pdf = Fetch(5).BodyStructure!;

        Assert.Equal(("<id@x>", "the report", "BASE64", "md5sum"), (pdf.Id, pdf.Description, pdf.Encoding, pdf.Md5));
        Assert.Empty(pdf.Parameters!);
        Assert.Equal(("ATTACHMENT", "a.pdf"), (pdf.Disposition!.Type, pdf.Disposition.Parameters!["filename"]));
        Assert.Equal(["en", "de"], pdf.Language!);
        Assert.Equal("http://example.com/a", pdf.Location);
        Assert.Equal(2, pdf.Extensions!.Count);
        Assert.Equal("ext1", Assert.IsType<ImapAtom>(pdf.Extensions[0]).Text);
        Assert.Equal("ext2", Assert.IsType<ImapAtom>(Assert.Single(Assert.IsType<ImapList>(pdf.Extensions[1]).Items)).Text);
    }

    [Fact]
    public void MessagePart_AndMultipart_ReadCleanly()
    {
        Assert.Null(FetchFrame(6).Diagnostics);
        var message = Fetch(6).BodyStructure!;
        Assert.Equal(("MESSAGE", "RFC822", 300UL, 12UL), (message.Type, message.Subtype, message.Size!.Value, message.Lines!.Value));
        Assert.Equal("inner", message.Envelope!.Subject);
        Assert.Equal(("TEXT", "PLAIN", 20UL), (message.Message!.Type, message.Message.Subtype, message.Message.Size!.Value));

        Assert.Null(FetchFrame(7).Diagnostics);
        var alternative = Fetch(7).BodyStructure!;
        Assert.Equal(("MULTIPART", "ALTERNATIVE", "b1"), (alternative.Type, alternative.Subtype, alternative.Parameters!["boundary"]));
        Assert.Equal(["PLAIN", "HTML"], alternative.Parts!.Select(p => p.Subtype));
        Assert.Equal(("INLINE", "loc"), (alternative.Disposition!.Type, alternative.Location));
        Assert.Equal(["fr"], alternative.Language!);
        Assert.Null(alternative.Disposition.Parameters);
    }

    [Fact]
    public void EnvelopeDeviations_AreNamed_AndWhatParsesIsKept()
    {
        Assert.Equal("ENVELOPE deviates from the grammar: 9 fields instead of 10", Problem(FetchFrame(8)));
        Assert.Null(Fetch(8).Envelope);
        Assert.Equal("ENVELOPE deviates from the grammar: 11 fields instead of 10", Problem(FetchFrame(9)));
        Assert.Equal("eleven", Fetch(9).Envelope!.Subject);
        // "" for From is named; Sender's one address has three fields and is left out (the same rule: one diagnostic).
        Assert.Equal("ENVELOPE deviates from the grammar: address list is not a list or NIL", Problem(FetchFrame(10)));
        var envelope = Fetch(10).Envelope!;
        Assert.Equal(("bad addresses", (IReadOnlyList<Address>?)null), (envelope.Subject, envelope.From));
        Assert.Empty(envelope.Sender!);
    }

    [Fact]
    public void FetchItems_OfTheWrongShape_AreSyntaxErrors_AndKeptUntyped()
    {
        Assert.Equal("malformed syntax: unexpected data for FETCH", Problem(FetchFrame(11)));
        Assert.Null(Fetch(11).Uid);
        Assert.Equal("abc", Fetch(11).Other!["UID"].AsText());
        Assert.Equal(77UL, Fetch(11).Rfc822Size);

        // A section whose value is a list, not an nstring: named, and kept as it came among the untyped items.
        Assert.Equal("malformed syntax: unexpected data for FETCH", Problem(FetchFrame(12)));
        var fetch = Fetch(12);
        Assert.Equal(42UL, fetch.BinarySizes!["1"]);
        var partial = Assert.Single(fetch.Sections!);
        Assert.Equal(("BODY[]<100>", "", (ulong?)100, "partial", 7L), (partial.Item, partial.Section, partial.Origin, partial.Text, partial.Size));
        Assert.Equal(3, Assert.IsType<ImapList>(fetch.Other!["BODY[TEXT]"]).Items.Count);

        // RFC822.SIZE with nothing after it.
        Assert.Equal("malformed syntax: unexpected data for FETCH", Problem(FetchFrame(13)));
        Assert.Equal(["\\Seen"], Fetch(13).Flags!);

        Assert.Null(FetchFrame(14).Diagnostics);
        Assert.Equal((7UL, "123"), (Fetch(14).ModSeq!.Value, Fetch(14).Other!["X-GM-MSGID"].AsText()));
    }

    [Theory]
    [InlineData("EXISTS", "21 now")]
    [InlineData("FETCH", "22 1")]
    [InlineData("FLAGS", "\\Seen")]
    [InlineData("LIST", "\\Noselect / foo")]
    [InlineData("STATUS", "box MESSAGES")]
    [InlineData("ID", "(name x) extra")]
    public void UntaggedData_OfTheWrongShape_IsASyntaxError_WithItsArgumentsKept(string name, string arguments)
    {
        var frame = responses.Single(r => r.Name == name && r.Data is null);

        Assert.Equal($"malformed syntax: unexpected data for {name}", Problem(frame));
        Assert.Equal(arguments, string.Join(' ', frame.Arguments!.Select(Show)));
    }

    private static string Show(ImapValue value) => value is ImapList list ? $"({string.Join(' ', list.Items.Select(Show))})" : value.AsText()!;

    [Fact]
    public void UntaggedData_KeepsWhatParses()
    {
        var data = responses.Select(r => r.Data).ToList();
        Assert.Equal([(true, "1:3"), (false, "4")], data.OfType<VanishedData>().Select(v => (v.Earlier, v.Uids)));

        var lists = data.OfType<ListData>().ToList();
        Assert.Equal(("&Jjo-bad&", (string?)null), (lists[0].Mailbox, lists[0].RawMailbox));
        Assert.Equal("invalid-mutf7", Assert.Single(responses.Single(r => r.Data == lists[0]).Diagnostics!).Rule);
        Assert.Equal("CHILDINFO", Assert.IsType<ImapList>(Assert.Single(lists[1].Extended!)).Items[0].AsText());

        var status = data.OfType<StatusData>().Single();
        Assert.Equal(2UL, Assert.Single(status.Items).Value);
        Assert.Equal("F123", Assert.IsType<ImapList>(status.Other!["MAILBOXID"]).Items[0].AsText());
        Assert.Equal("malformed syntax: unexpected data for STATUS", Problem(responses.Single(r => r.Data == status)));

        var search = data.OfType<SearchData>().Single();
        Assert.Equal([1UL, 2UL], search.Numbers);
        Assert.Equal(5UL, search.ModSeq);

        var esearch = data.OfType<ESearchData>().Single();
        Assert.Equal(("a9", true, "3"), (esearch.Tag, esearch.Uid, esearch.Items["COUNT"]));
        Assert.False(esearch.Items.ContainsKey("MIN"));
        Assert.Equal("malformed syntax: unexpected data for ESEARCH", Problem(responses.Single(r => r.Data == esearch)));

        var namespaces = data.OfType<NamespaceData>().ToList();
        Assert.Equal([("", "/")], namespaces[0].Personal!.Select(n => (n.Prefix, n.Delimiter)));
        Assert.Empty(namespaces[1].Personal!);
        Assert.All(namespaces, n => Assert.Equal("malformed syntax: unexpected data for NAMESPACE", Problem(responses.Single(r => r.Data == n))));
    }

    [Fact]
    public void ResponseCodes_KeepTheirName_WhenTheirArgumentsAreWrong()
    {
        var codes = responses.Where(r => r.Code is not null).ToDictionary(r => r.Code!.Name);

        Assert.Null(codes["UIDVALIDITY"].Code!.Number);
        Assert.Equal("not a valid number: abc", Problem(codes["UIDVALIDITY"]));
        Assert.Null(codes["APPENDUID"].Code!.UidValidity);
        Assert.Equal("not a valid number: x", Problem(codes["APPENDUID"]));
        // Free text that values cannot hold ("(" without ")") is kept whole as the code's one argument.
        Assert.Equal("https://example.com/a?b=(c", Assert.Single(codes["WEBALERT"].Code!.Arguments!).AsText());
        Assert.Equal("visit", codes["WEBALERT"].Text);
    }

    [Fact]
    public void UnclosedCode_StaysInTheText_BareBracketLine_AndTaggedBye_AreNamed()
    {
        Assert.Contains(responses, r => r.Text == "[REFERRAL imap://example.com/ never closed" && r.Code is null);
        var garbage = responses.Single(r => r.Text == "* [garbage");
        Assert.Equal("unexpected-line", Assert.Single(garbage.Diagnostics!).Rule);
        var bye = responses.Single(r => r.Tag == "a4");
        Assert.Equal((ResponseStatus.Bye, "malformed syntax: BYE cannot be tagged"), (bye.Status!.Value, Problem(bye)));
    }

    [Theory]
    [InlineData("* LIST () \"/\" box)", "unbalanced ')'")]
    [InlineData("* SEARCH 1 2 (3", "list not closed before the end of the line")]
    [InlineData("* LIST () \"/\" \"box", "quoted string not closed before the end of the line")]
    [InlineData("* SEARCH 1 \u0001", "unexpected character 0x01")]
    [InlineData("* LIST () \"/\" \"a\rb\"", "line break inside a quoted string")]
    public void TokensThatBreakTheGrammar_AreNamedWithWhatWasWrong(string line, string problem)
    {
        var frame = ResponsesTo(line).Single();

        Assert.Equal($"malformed syntax: {problem}", Problem(frame));
    }

    [Fact]
    public void ListsNestedPastTheLimit_AreCutThere_AndTheLineEnds()
    {
        var frame = ResponsesTo("* SEARCH " + new string('(', 150) + new string(')', 150) + " 7").Single();

        Assert.Contains(frame.Diagnostics!, d => d.Rule == "nesting-too-deep");
        Assert.Empty(Assert.IsType<SearchData>(frame.Data).Numbers);
    }

    [Fact]
    public void QuotedStrings_KeepTheirEscapes_And8BitTextIsNamed()
    {
        var escaped = Assert.IsType<ListData>(ResponsesTo("* LIST () \"/\" \"a\\\"b\\\\c\"").Single().Data);
        Assert.Equal("a\"b\\c", escaped.Mailbox);

        var id = ResponsesTo("* ID (\"name\" \"Grüße\")").Single();
        Assert.Equal("Grüße", Assert.IsType<IdData>(id.Data).Fields!["name"]);
        Assert.Equal("quoted-8bit", Assert.Single(id.Diagnostics!).Rule);
    }

    [Fact]
    public void Literal8_IsCountedLikeAnyLiteral()
    {
        // RFC 3516 §4.2: ~{n} announces n bytes, whatever they hold (CRLF included).
        var fetch = Assert.IsType<FetchData>(ResponsesTo("* 1 FETCH (BINARY[1] ~{4}\r\na\r\nb UID 3)").Single().Data);

        var section = Assert.Single(fetch.Sections!);
        Assert.Equal(("BINARY[1]", 4L, true), (section.Item, section.Size, section.Literal!.Binary));
        Assert.Equal(3UL, fetch.Uid);
    }

    private static List<ResponseFrame> ResponsesTo(string lines) =>
        ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("S", lines + "\r\n"))).Frames.OfType<ResponseFrame>().Skip(1).ToList();
}
