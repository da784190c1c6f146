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
    [InlineData("* SEARCH 1 \u0000", "unexpected character 0x00")]
    [InlineData("* SEARCH \u0000", "unexpected character 0x00")] // a NUL as the first value, or glued to the one before:
    [InlineData("* SEARCH 1\u0000", "unexpected character 0x00")] // not a place where reading may stop quietly
    [InlineData("* SEARCH )", "unexpected ')'")]
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

        // 8-bit text first, and 8-bit text in a string with an escape (read the long way), are named too.
        foreach (var (line, text) in new[] { ("* ID (\"name\" \"Ärger\")", "Ärger"), ("* ID (\"name\" \"Gr\\\"üße\")", "Gr\"üße") })
        {
            var frame = ResponsesTo(line).Single();
            Assert.Equal(text, Assert.IsType<IdData>(frame.Data).Fields!["name"]);
            Assert.Equal("quoted-8bit", Assert.Single(frame.Diagnostics!).Rule);
        }

        // A string may start with a space.
        Assert.Equal(" box", Assert.IsType<ListData>(ResponsesTo("* LIST () \"/\" \" box\"").Single().Data).Mailbox);
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

    /// <summary>Free text (a continuation's, RFC 3501 §7.5; a status response's, §7.1) may end like a literal header:
    /// it is text, and the next line is the next response.</summary>
    [Theory]
    [InlineData("+ send the rest {5}")]
    [InlineData("* OK see {5}")]
    [InlineData("* NO over quota {5}")]
    public void TextEndingLikeALiteralHeader_IsText(string line)
    {
        var frames = ResponsesTo(line + "\r\n* 4 EXISTS");

        Assert.Equal(2, frames.Count);
        Assert.EndsWith(" {5}", frames[0].Text);
        Assert.Equal(4UL, Assert.IsType<NumberData>(frames[1].Data).Number);
    }

    [Fact]
    public void Continuation_TextAndCode_AreRead()
    {
        var plus = ResponsesTo("+ [ALERT] hurry").Single();

        Assert.Equal((ResponseKind.Continuation, "ALERT", "hurry"), (plus.ResponseKind, plus.Code!.Name, plus.Text));
        Assert.Equal("idling", ResponsesTo("+ idling").Single().Text);
    }

    /// <summary>RFC 3501 §9: greeting = "*" SP (resp-cond-auth / resp-cond-bye): OK, PREAUTH or BYE, and only the first line.</summary>
    [Theory]
    [InlineData("* OK ready", ResponseKind.Greeting)]
    [InlineData("* PREAUTH ready", ResponseKind.Greeting)]
    [InlineData("* BYE too busy", ResponseKind.Greeting)] // §7.1.5
    [InlineData("* NO not a greeting", ResponseKind.Untagged)]
    public void TheFirstLine_IsTheGreeting_WhenItIsOkPreauthOrBye(string line, ResponseKind kind)
    {
        var frames = ParsedSession.Run(Transcript.Of(("S", line + "\r\n* OK [ALERT] later\r\n"))).Frames.OfType<ResponseFrame>().ToList();

        Assert.Equal([kind, ResponseKind.Untagged], frames.Select(f => f.ResponseKind));
        Assert.All(frames, f => Assert.Null(f.Tag));
    }

    [Theory]
    [InlineData("* flags (\\Seen)", "flags")]
    [InlineData("* 3 exists", "exists")]
    [InlineData("* ok fine", "ok")]
    public void LowercaseKeywords_AreNamed(string line, string word)
    {
        var diagnostic = Assert.Single(ResponsesTo(line).Single().Diagnostics!);

        Assert.Equal(("lowercase-keyword", Diagnostics.Severity.Info), (diagnostic.Rule, diagnostic.Severity));
        Assert.EndsWith(word, diagnostic.Message);
    }

    [Fact]
    public void ATaggedLineWithACodeButNoStatus_IsAnUnexpectedLine()
    {
        var frame = ResponsesTo("a1 [ALERT] no status").Single();

        Assert.Equal((ResponseKind.Unknown, (ResponseCode?)null), (frame.ResponseKind, frame.Code));
        Assert.Contains(frame.Diagnostics!, d => d.Rule == "unexpected-line");
    }

    [Fact]
    public void DataGluedToItsName_IsASyntaxError()
    {
        var frame = ResponsesTo("* FLAGS(\\Seen)").Single();

        Assert.Equal("malformed syntax: unexpected text after the response", Problem(frame));
    }

    [Fact]
    public void UntypedArguments_AreKeptOnlyWhenTheDataWasNotRead()
    {
        Assert.Null(ResponsesTo("* XNOTHING").Single().Arguments);
        Assert.Equal(["7", "x"], ResponsesTo("* 7 XTHING x").Single().Arguments!.Select(a => a.AsText()));
        var exists = ResponsesTo("* 3 EXISTS").Single();
        Assert.Equal((3UL, (IReadOnlyList<ImapValue>?)null), (Assert.IsType<NumberData>(exists.Data).Number, exists.Arguments));
    }

    [Fact]
    public void AnEmptyCode_StaysInTheText()
    {
        var frame = ResponsesTo("* OK [] hi").Single();

        Assert.Equal(((ResponseCode?)null, "[] hi"), (frame.Code, frame.Text));
    }

    [Fact]
    public void AnOverlongServerLine_IsCut_WithNothingRedacted()
    {
        // The parser knows of no secrets the server sends: the cut line's rest is not starred.
        var options = ImapParserOptions.Default with { MaxLineLength = 64 };
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("S", "* OK " + new string('x', 200) + "\r\n* 4 EXISTS\r\n")),
            options: options);

        var cut = session.Frames.OfType<MalformedFrame>().Single();
        Assert.Equal(("line-too-long", "* OK " + new string('x', 59)), (cut.Diagnostics![0].Rule, cut.Preview));
        Assert.EndsWith("limit 64 bytes", cut.Diagnostics[0].Message);
        Assert.All(session.Frames, f => Assert.Null(f.Redactions));
        Assert.All(session.Frames, f => Assert.Null(f.Literals));
        Assert.Contains(new string('x', 200), session.ServerText);
    }

    /// <summary>The line keeps what fits whatever the chunking: in pieces of 10 bytes it is cut where it is cut whole.</summary>
    [Fact]
    public void AnOverlongServerLine_FedInPieces_IsCutAtTheSameByte()
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 64 };
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("S", "* OK " + new string('x', 200) + "\r\n* 4 EXISTS\r\n")),
            chunking: n => Enumerable.Repeat(10, (n + 9) / 10), options: options);

        var cut = session.Frames.OfType<MalformedFrame>().Single();
        Assert.Equal(("line-too-long", "* OK " + new string('x', 59)), (cut.Diagnostics![0].Rule, cut.Preview));
        Assert.Equal(4UL, Assert.IsType<NumberData>(session.Frames.OfType<ResponseFrame>().Last().Data).Number);
    }

    [Theory]
    [InlineData("* 5 RECENT", 5UL)] // RFC 3501 §7.3.2
    [InlineData("* 6 EXPUNGE", 6UL)] // §7.4.1
    public void MessageNumbers_AreTyped(string line, ulong number) =>
        Assert.Equal(number, Assert.IsType<NumberData>(ResponsesTo(line).Single().Data).Number);

    [Fact]
    public void ListLsubXlistAndEnabled_AreTyped()
    {
        Assert.Equal(["CONDSTORE", "UTF8=ACCEPT"], Assert.IsType<CapabilityData>(ResponsesTo("* ENABLED CONDSTORE UTF8=ACCEPT").Single().Data).Capabilities); // RFC 5161 §3.2
        var lsub = Assert.IsType<ListData>(ResponsesTo("* LSUB () \"/\" Sent").Single().Data); // RFC 3501 §7.2.3
        Assert.Equal(("Sent", "/", (IReadOnlyList<ImapValue>?)null), (lsub.Mailbox, lsub.Delimiter, lsub.Extended));
        var xlist = Assert.IsType<ListData>(ResponsesTo("* XLIST (\\Inbox) \"/\" INBOX").Single().Data); // Gmail's pre-RFC 6154 LIST
        Assert.Equal(["\\Inbox"], xlist.Flags);
    }

    [Theory]
    [InlineData("* VANISHED 1 2")] // RFC 7162 §3.2.10: one set, after "(EARLIER)" when there is one
    [InlineData("* NAMESPACE NIL NIL")] // RFC 2342 §5: three namespaces
    public void UntaggedData_WithTheWrongNumberOfArguments_IsNotTyped(string line)
    {
        var frame = ResponsesTo(line).Single();

        Assert.Null(frame.Data);
        Assert.StartsWith("malformed syntax: unexpected data for ", Problem(frame));
    }

    [Fact]
    public void StatusItemsThatAreNotNumbers_AreAllKept()
    {
        // RFC 8474 §4.2 MAILBOXID, and an unknown item, both not numbers.
        var status = Assert.IsType<StatusData>(ResponsesTo("* STATUS box (MAILBOXID (F1) MESSAGES 2 X-NOTE \"hi\")").Single().Data);

        Assert.Equal(["MAILBOXID", "X-NOTE"], status.Other!.Keys.Order());
        Assert.Equal(2UL, status.Items["MESSAGES"]);
    }

    [Theory]
    [InlineData("* ESEARCH", null, false, "")] // RFC 4731 §3.1: everything after ESEARCH is optional
    [InlineData("* ESEARCH (TAG \"a1\")", "a1", false, "")]
    [InlineData("* ESEARCH UID COUNT 3", null, true, "COUNT=3")]
    [InlineData("* ESEARCH (TAG \"a2\") UID MIN 4 MAX 9", "a2", true, "MAX=9 MIN=4")]
    public void ESearch_TagUidAndItems(string line, string? tag, bool uid, string items)
    {
        var frame = ResponsesTo(line).Single();
        var data = Assert.IsType<ESearchData>(frame.Data);

        Assert.Equal((tag, uid, items), (data.Tag, data.Uid, string.Join(' ', data.Items.Select(i => $"{i.Key}={i.Value}").Order())));
        Assert.Null(frame.Diagnostics);
    }

    [Theory]
    [InlineData("* SEARCH 1 2 (3", 13)] // the "(", not the line end where the reader stopped
    [InlineData("* LIST () \"/\" \"box", 14)]
    public void AnUnclosedListOrString_IsNamedWhereItOpens(string line, int column)
    {
        var diagnostic = Assert.Single(ResponsesTo(line).Single().Diagnostics!);

        Assert.Equal(17L + column, diagnostic.Offset); // after "* PREAUTH ready\r\n"
    }

    [Fact]
    public void ATrailingSpace_EndsTheValues_WithoutAnError()
    {
        var frame = ResponsesTo("* SEARCH 1 2 ").Single();

        Assert.Equal([1UL, 2UL], Assert.IsType<SearchData>(frame.Data).Numbers);
        Assert.Null(frame.Diagnostics);
    }

    [Fact]
    public void ASpaceBeforeAListsClose_IsTolerated()
    {
        var frame = ResponsesTo("* FLAGS (\\Seen \\Draft )").Single();

        Assert.Equal(["\\Seen", "\\Draft"], Assert.IsType<FlagsData>(frame.Data).Flags);
        Assert.Null(frame.Diagnostics);
    }

    [Fact]
    public void ATildeNotBeforeABrace_IsAnAtom()
    {
        // RFC 3516 literal8 is "~{n}"; a "~" alone (at the end of the line here) is an ordinary ATOM-CHAR.
        Assert.Equal(["~"], ResponsesTo("* XFOO ~").Single().Arguments!.Select(a => a.AsText()));
    }

    [Theory]
    [InlineData(100, false)] // ImapParserOptions.MaxNestingDepth: lists may nest 100 deep
    [InlineData(101, true)]
    public void ListsNestedToTheLimit_AreRead_OneDeeperIsCut(int depth, bool cut)
    {
        var frame = ResponsesTo("* SEARCH " + new string('(', depth) + new string(')', depth)).Single();

        Assert.Equal(cut, frame.Diagnostics?.Any(d => d.Rule == "nesting-too-deep") ?? false);
        if (cut) Assert.Contains(frame.Diagnostics!, d => d.Message == "malformed syntax: lists nested too deep");
    }

    [Theory]
    [InlineData("* OK [UIDNEXT (5)] x", "a list", 31)] // the list's start
    [InlineData("* OK [UIDNEXT \"4\\\"2\"] x", "4\"2", 31)] // a quoted string with an escape, from its opening quote
    public void ACodeNumberThatIsNotANumber_IsNamedWhereItStarts(string line, string shown, int offset)
    {
        var frame = ResponsesTo(line).Single();
        var diagnostic = Assert.Single(frame.Diagnostics!);

        Assert.Equal(("invalid-number", $"not a valid number: {shown}", (long)offset), (diagnostic.Rule, diagnostic.Message, diagnostic.Offset));
        Assert.Null(frame.Code!.Number);
    }

    [Fact]
    public void ACodeThatNeedsANumber_WithoutOne_KeepsItsName()
    {
        var frame = ResponsesTo("* OK [UIDNEXT] x").Single();

        Assert.Equal(("UIDNEXT", (ulong?)null), (frame.Code!.Name, frame.Code.Number));
        Assert.Null(frame.Diagnostics);
    }

    private static (BodyPart? Part, IReadOnlyList<Diagnostics.Diagnostic>? Diagnostics) Structure(string body)
    {
        var frame = ResponsesTo($"* 1 FETCH (BODYSTRUCTURE {body})").Single();
        return (Assert.IsType<FetchData>(frame.Data).BodyStructure, frame.Diagnostics);
    }

    [Fact]
    public void Multipart_WithoutExtensionData_HasNone()
    {
        // RFC 3501 §9: body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
        var (part, diagnostics) = Structure("((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 5 1) \"MIXED\")");

        Assert.Equal(("MULTIPART", "MIXED", 1), (part!.Type, part.Subtype, part.Parts!.Count));
        Assert.Equal(((IReadOnlyDictionary<string, string?>?)null, (Disposition?)null, (IReadOnlyList<ImapValue>?)null),
            (part.Parameters, part.Disposition, part.Extensions));
        Assert.Null(diagnostics);
    }

    [Fact]
    public void Multipart_OfPartsOnly_IsKept()
    {
        var (part, _) = Structure("((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 5 1)(\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 9 1))");

        Assert.Equal(("MULTIPART", "", 2), (part!.Type, part.Subtype, part.Parts!.Count));
    }

    [Fact]
    public void GmailsEmptyMultipart_KeepsItsSubtype()
    {
        var (part, diagnostics) = Structure("(\"ALTERNATIVE\")");

        Assert.Equal(("MULTIPART", "ALTERNATIVE"), (part!.Type, part.Subtype));
        Assert.Empty(part.Parts!);
        Assert.Equal("empty-multipart", Assert.Single(diagnostics!).Rule);
    }

    [Fact]
    public void SinglePart_WithTheSevenBasicFieldsOnly_IsComplete()
    {
        // body-type-basic = media-basic SP body-fields: seven fields, no extension data (RFC 3501 §9).
        var (part, diagnostics) = Structure("(\"APPLICATION\" \"PDF\" NIL NIL NIL \"BASE64\" 100)");

        Assert.Equal(("APPLICATION", "PDF", 100UL, (string?)null), (part!.Type, part.Subtype, part.Size!.Value, part.Md5));
        Assert.Null(diagnostics);
    }

    [Fact]
    public void TextPart_WithoutItsLineCount_KeepsTheRest()
    {
        var (part, _) = Structure("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10)");

        Assert.Equal((10UL, (ulong?)null), (part!.Size!.Value, part.Lines));
    }

    [Fact]
    public void SinglePart_UpToItsLocation_HasNoFurtherExtensions()
    {
        var (part, _) = Structure("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 5 1 NIL NIL NIL \"loc\")");

        Assert.Equal(("loc", (IReadOnlyList<ImapValue>?)null), (part!.Location, part.Extensions));
    }

    [Fact]
    public void MessageGlobal_CarriesAnEnvelopeAndABody_LikeRfc822()
    {
        // RFC 6532 §3.7 message/global: body-type-msg as for message/rfc822.
        var (part, diagnostics) = Structure(
            "(\"MESSAGE\" \"GLOBAL\" NIL NIL NIL \"8BIT\" 300 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"PLAIN\" NIL NIL NIL \"8BIT\" 20 2) 12)");

        Assert.Equal(("inner", "PLAIN", 12UL), (part!.Envelope!.Subject, part.Message!.Subtype, part.Lines!.Value));
        Assert.Null(diagnostics);
    }

    [Fact]
    public void AListWhereTheMd5Belongs_IsNoEnvelope()
    {
        var (part, _) = Structure("(\"APPLICATION\" \"PDF\" NIL NIL NIL \"BASE64\" 10 (\"x\") NIL NIL)");

        Assert.Equal(((Envelope?)null, (string?)null), (part!.Envelope, part.Md5));
    }

    /// <summary>Only MESSAGE/RFC822 and MESSAGE/GLOBAL carry an envelope (RFC 3501 §7.4.2 body-type-msg, RFC 6532 §3.7):
    /// a list of ten fields where another part's MD5 belongs is not read as one, whatever its shape.</summary>
    [Fact]
    public void AnEnvelopeShapedListWhereTheMd5Belongs_IsNoEnvelope()
    {
        var (part, _) = Structure("(\"APPLICATION\" \"PDF\" NIL NIL NIL \"BASE64\" 10 (NIL \"subject\" NIL NIL NIL NIL NIL NIL NIL NIL) NIL NIL)");

        Assert.Equal(("APPLICATION", (Envelope?)null, (BodyPart?)null), (part!.Type, part.Envelope, part.Message));
    }

    [Theory]
    [InlineData("(\"TEXT\" \"PLAIN\" \"CHARSET\" NIL NIL \"7BIT\" 5 1)", "parameters are not a list or NIL")]
    [InlineData("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" \"120\" 3)", "number sent as a string")]
    public void SinglePartDeviations_AreNamed(string body, string detail)
    {
        var (part, diagnostics) = Structure(body);

        Assert.Equal($"BODYSTRUCTURE deviates from the grammar: {detail}", Assert.Single(diagnostics!).Message);
        Assert.Equal(("TEXT", "PLAIN"), (part!.Type, part.Subtype));
    }

    private static (FetchData Data, IReadOnlyList<Diagnostics.Diagnostic>? Diagnostics) FetchOf(string items)
    {
        var frame = ResponsesTo($"* 1 FETCH ({items})").Single();
        return (Assert.IsType<FetchData>(frame.Data), frame.Diagnostics);
    }

    [Fact]
    public void Rfc822Items_AreSections()
    {
        // RFC 3501 §7.4.2: RFC822, RFC822.HEADER and RFC822.TEXT are nstrings like BODY[], BODY[HEADER], BODY[TEXT].
        var (fetch, diagnostics) = FetchOf("RFC822 {5}\r\nhello RFC822.HEADER \"h\" RFC822.TEXT NIL");

        Assert.Equal([("RFC822", 5L), ("RFC822.HEADER", 1L), ("RFC822.TEXT", 0L)], fetch.Sections!.Select(s => (s.Item, s.Size)));
        Assert.True(fetch.Sections![2].Nil);
        Assert.All(fetch.Sections!, s => Assert.Equal("", s.Section)); // RFC822 is BODY[], RFC822.TEXT is BODY[TEXT] by meaning, not by name
        Assert.Null(diagnostics);
    }

    [Theory]
    [InlineData("RFC822.SIZE abc")]
    [InlineData("FLAGS \\Seen")]
    [InlineData("MODSEQ 5")]
    [InlineData("ENVELOPE NIL")]
    [InlineData("BODYSTRUCTURE NIL")]
    [InlineData("BINARY.SIZE[1] x")]
    [InlineData("BINARY[1] (x)")]
    [InlineData("RFC822 (x)")]
    [InlineData("RFC822.HEADER (x)")]
    [InlineData("RFC822.TEXT (x)")]
    public void ItemsOfTheWrongShape_AreNamed_AndKeptUntyped(string item)
    {
        var (fetch, diagnostics) = FetchOf(item);

        Assert.Equal("malformed syntax: unexpected data for FETCH", Assert.Single(diagnostics!).Message);
        Assert.Equal([item.Split(' ')[0]], fetch.Other!.Keys);
    }

    [Fact]
    public void ABinarySectionWithoutItsValue_IsNamed()
    {
        var (fetch, diagnostics) = FetchOf("UID 3 BINARY[1]");

        Assert.Equal("section-without-value", Assert.Single(diagnostics!).Rule);
        Assert.Equal(("BINARY[1]", true), (Assert.Single(fetch.Sections!).Item, fetch.Sections![0].Nil));
    }

    [Fact]
    public void ASectionWithoutItsValue_AfterOtherSections_KeepsThemToo()
    {
        var (fetch, diagnostics) = FetchOf("BODY[1] \"a\" BODY[2] \"bc\" BODY[3]");

        Assert.Equal([("1", false), ("2", false), ("3", true)], fetch.Sections!.Select(s => (s.Section, s.Nil)));
        Assert.Equal("section-without-value", Assert.Single(diagnostics!).Rule);
    }

    [Fact]
    public void RepeatedKindsOfItems_AreAllKept()
    {
        var (fetch, _) = FetchOf("BODY[1] \"a\" BODY[2] \"bc\" BINARY.SIZE[1] 3 BINARY.SIZE[2] 4 X-A 1 X-B 2 MODSEQ (-5)");

        Assert.Equal(["1", "2"], fetch.Sections!.Select(s => s.Section));
        Assert.Equal(["1", "2"], fetch.BinarySizes!.Keys.Order());
        Assert.Equal(["MODSEQ", "X-A", "X-B"], fetch.Other!.Keys.Order());
    }

    [Fact]
    public void Envelope_GroupAddresses_HaveNoEmail_AndAShortAddressIsNamed()
    {
        // RFC 3501 §7.4.2: a group starts with (NIL NIL "group" NIL) and ends with (NIL NIL NIL NIL).
        var (fetch, diagnostics) = FetchOf("ENVELOPE (NIL \"hi\" ((NIL NIL \"team\" NIL)(\"Ann\" NIL \"ann\" \"example.com\")(NIL NIL NIL NIL)) " +
            "((NIL NIL \"bob\")) NIL NIL NIL NIL NIL NIL)");

        Assert.Equal([null, "ann@example.com", null], fetch.Envelope!.From!.Select(a => a.Email));
        Assert.Equal(("team", "Ann"), (fetch.Envelope.From![0].Mailbox, fetch.Envelope.From[1].Name));
        Assert.Empty(fetch.Envelope.Sender!);
        Assert.Equal("ENVELOPE deviates from the grammar: address is not a list of 4 fields", Assert.Single(diagnostics!).Message);
    }

    [Theory]
    [InlineData("&AA-")] // RFC 3501 §5.1.3: modified BASE64 of UTF-16, whole 16-bit units: one byte is not
    [InlineData("&Jjo")] // not closed by "-"
    public void MailboxNames_InvalidModifiedUtf7_AreNamed_AndKeptAsSent(string name)
    {
        var frame = ResponsesTo($"* LIST () \"/\" \"{name}\"").Single();

        Assert.Equal((name, (string?)null), (Assert.IsType<ListData>(frame.Data).Mailbox, ((ListData)frame.Data!).RawMailbox));
        Assert.Equal("invalid-mutf7", Assert.Single(frame.Diagnostics!).Rule);
    }

    [Fact]
    public void ADeviationAfterALiteral_IsPlacedInTheStream_AndNamedOnce()
    {
        // "* 1 FETCH (BODY[] {5}\r\n" is 23 bytes after the greeting's 17, the body 5: the first double space is at 45.
        var frame = ResponsesTo("* 1 FETCH (BODY[] {5}\r\nhello  UID  3)").Single();

        var extra = Assert.Single(frame.Diagnostics!);
        Assert.Equal(("extra-space", 45L), (extra.Rule, extra.Offset));
        Assert.Equal(3UL, Assert.IsType<FetchData>(frame.Data).Uid);
    }

    [Fact]
    public void AnEmptyLiteral_IsAnEmptyString()
    {
        // RFC 3501 §4.3: {0} is a literal of no octets; the line goes on right after its CRLF.
        var list = Assert.IsType<ListData>(ResponsesTo("* LIST () \"/\" {0}\r\n").Single().Data);

        Assert.Equal("", list.Mailbox);
    }

    [Theory]
    [InlineData(5, "Inbox")] // kept: exactly ImapParserOptions.MaxInlineLiteral bytes
    [InlineData(6, "{6 bytes}")] // not kept: only its place in the stream
    public void LiteralsUpToTheInlineLimit_AreKeptWithTheFrame(int length, string mailbox)
    {
        var options = ImapParserOptions.Default with { MaxInlineLiteral = 5 };
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("S", $"* LIST () \"/\" {{{length}}}\r\n{"Inbox2"[..length]}\r\n")),
            options: options);

        Assert.Equal(mailbox, session.Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<ListData>().Single().Mailbox);
    }

    /// <summary>A literal header follows a space, "(" or "[" outside a quoted string (RFC 3501 §9); elsewhere "{n}" is text,
    /// and the next line is the next response.</summary>
    [Theory]
    [InlineData("* LIST () \"/\" \"odd {5}")] // inside an unclosed quoted string
    [InlineData("* LIST () \"/\" \"a\\\" {5}")] // still inside: the quote before it is escaped
    [InlineData("* XFOO a{5}")] // glued to an atom
    [InlineData("* XFOO {}")] // no digits
    public void BracesThatAreNoLiteralHeader_AreText(string line)
    {
        var frames = ResponsesTo(line + "\r\n* 3 EXISTS");

        Assert.Equal(2, frames.Count);
        Assert.Equal(3UL, Assert.IsType<NumberData>(frames[1].Data).Number);
    }

    [Fact]
    public void SearchResults_ThatAreNotNumbers_AreNamed_AndTheNumbersKept()
    {
        var frame = ResponsesTo("* SEARCH 1 x 3").Single();

        Assert.Equal([1UL, 3UL], Assert.IsType<SearchData>(frame.Data).Numbers);
        Assert.Equal(["invalid-number", "syntax"], frame.Diagnostics!.Select(d => d.Rule));
        Assert.Equal(("not a valid number: x", 28L), (frame.Diagnostics![0].Message, frame.Diagnostics[0].Offset));
    }

    [Fact]
    public void IdFields_WithoutTheirLastValue_AreNamed_AndThePairsKept()
    {
        // RFC 2971 §3.3: the list holds field-value pairs.
        var frame = ResponsesTo("* ID (\"name\" \"Dovecot\" \"version\")").Single();

        Assert.Equal("Dovecot", Assert.Single(Assert.IsType<IdData>(frame.Data).Fields!).Value);
        Assert.Equal("malformed syntax: unexpected data for ID", Problem(frame));
    }

    [Fact]
    public void AQuoteLeftOpenByAnInnerQuote_IsReadStrictly_WithoutAnError()
    {
        // The tolerant reading of "a"b c (an inner quote never closed) runs off the line; read strictly it is "a", b and c.
        var frame = ResponsesTo("* XFOO \"a\"b c").Single();

        Assert.Equal(["a", "b", "c"], frame.Arguments!.Select(a => a.AsText()));
        Assert.Null(frame.Diagnostics);
    }

    [Fact]
    public void ABackslashEndingAnUnclosedString_IsNoEscape()
    {
        Assert.Equal("malformed syntax: quoted string not closed before the end of the line", Problem(ResponsesTo("* XFOO \"a\\").Single()));
    }

    [Fact]
    public void ALiteralHeaderEndingInABareLf_IsStillALiteral()
    {
        var frame = ResponsesTo("* LIST () \"/\" {3}\nabc").Single();

        Assert.Equal("abc", Assert.IsType<ListData>(frame.Data).Mailbox);
        Assert.Equal("bare-lf", Assert.Single(frame.Diagnostics!).Rule);
    }

    [Fact]
    public void AMailboxNameSentAsALiteral_IsNamedWhereTheLiteralStarts()
    {
        var frame = ResponsesTo("* LIST () \"/\" {4}\r\n&Jjo").Single();

        var diagnostic = Assert.Single(frame.Diagnostics!);
        Assert.Equal(("invalid-mutf7", 31L), (diagnostic.Rule, diagnostic.Offset)); // the "{" after "* PREAUTH ready\r\n* LIST () "/" "
    }

    [Fact]
    public void Sections_WithQuotedOrLiteralHeaderNames_AreOneItem()
    {
        // RFC 3501 §9: header-fld-name is an astring: quoted (with an escaped quote and a "]" here) or a literal.
        var (quoted, _) = FetchOf("BODY[HEADER.FIELDS (\"X\\\"]\")] \"v\"");
        Assert.Equal(("BODY[HEADER.FIELDS (\"X\\\"]\")]", "v"), (Assert.Single(quoted.Sections!).Item, quoted.Sections![0].Text));

        var (literal, _) = FetchOf("BODY[HEADER.FIELDS ({4}\r\nFROM)] {5}\r\nhello UID 9");
        var section = Assert.Single(literal.Sections!);
        Assert.Equal((5L, 9UL), (section.Literal!.Length, literal.Uid!.Value));
    }

    [Fact]
    public void ALongLine_FedInPieces_IsReadWhole()
    {
        var numbers = Enumerable.Range(1, 300).Select(n => (ulong)n).ToList();
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("S", $"* SEARCH {string.Join(' ', numbers)}\r\n")),
            chunking: n => Enumerable.Repeat(100, n / 100 + 1));

        Assert.Equal(numbers, session.Frames.OfType<ResponseFrame>().Select(r => r.Data).OfType<SearchData>().Single().Numbers);
    }

    private static List<ResponseFrame> ResponsesTo(string lines) =>
        ParsedSession.Run(Transcript.Of(("S", "* PREAUTH ready\r\n"), ("S", lines + "\r\n"))).Frames.OfType<ResponseFrame>().Skip(1).ToList();
}
