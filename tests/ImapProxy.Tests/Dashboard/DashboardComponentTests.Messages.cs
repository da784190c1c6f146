using System.Text;
using Bunit;
using ImapProxy.Dashboard.Components.Shared;
using ImapProxy.Dashboard.Timeline;
using ImapProxy.Queries;
using Microsoft.Extensions.DependencyInjection;

namespace ImapProxy.Tests.Dashboard;

/// <summary>Issue 15 items 6 and 7: a fetched literal read whole, a page at a time; a fetched message as a mail client shows it.</summary>
public sealed partial class DashboardComponentTests
{
    /// <summary>
    /// Written by hand, with the sizes IMAP gives its parts counted by hand: a multipart/alternative (1: text 1.1 of
    /// 6 bytes, HTML 1.2 of 13), an attachment (2, 8 bytes of base64) and a forwarded message (3, 54 bytes, its text 3.1).
    /// </summary>
    private const string HandWrittenMessage =
        "From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@example.org>\r\n" +
        "To: alice@example.org\r\n" +
        "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\n" +
        "Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
        "\r\n" +
        "--inner\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "\r\n" +
        "Hello.\r\n" +
        "--inner\r\n" +
        "Content-Type: text/html; charset=utf-8\r\n" +
        "\r\n" +
        "<p>Hello.</p>\r\n" +
        "--inner--\r\n" +
        "\r\n" +
        "--outer\r\n" +
        "Content-Type: application/octet-stream; name=\"report.bin\"\r\n" +
        "Content-Disposition: attachment; filename=\"report.bin\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "AAECAw==\r\n" +
        "--outer\r\n" +
        "Content-Type: message/rfc822\r\n" +
        "\r\n" +
        "Subject: inner\r\n" +
        "Content-Type: text/plain\r\n" +
        "\r\n" +
        "Forwarded.\r\n" +
        "--outer--\r\n";

    /// <summary>BODYSTRUCTURE of <see cref="HandWrittenMessage"/>, except part 2, claimed 9 bytes where it has 8.</summary>
    private const string StructureWithOneLie =
        "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 6 1)(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 13 1) \"ALTERNATIVE\")" +
        "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"report.bin\") NIL NIL \"BASE64\" 9)" +
        "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 54 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 0) 3) \"MIXED\")";

    [Fact]
    public async Task ShowAll_PagesThroughAWholeLargeLiteral_NeverRenderingItAtOnce()
    {
        // Issue 15, item 6: "show all" showed about 2,000 characters whatever the size.
        var (id, response) = await CaptureLargeLiteralAsync();

        var cut = Render<FrameView>(p => p.Add(f => f.SessionId, id).Add(f => f.Event, response));
        cut.Find("button.show-all").Click();

        Assert.Contains("FIRST LINE", cut.Find(".raw-pages pre").TextContent);
        Assert.DoesNotContain("LAST LINE", cut.Markup);
        Assert.True(cut.Markup.Length < 2 * RawPages.PageBytes, $"one page rendered, not {cut.Markup.Length} characters");
        cut.FindAll(".raw-pages .pager button").Single(b => b.TextContent == "last »").Click();
        Assert.EndsWith("LAST LINE)", cut.Find(".raw-pages pre").TextContent.TrimEnd());
        // The frame: its line (33 bytes), the literal (1,600,021) and ")\r\n", in pages of 32 KiB.
        Assert.Contains("bytes 1572864–1600057 of 1600057 · page 49 of 49", cut.Find(".raw-pages .where").TextContent);
        Assert.Contains($"api/sessions/{id}/events/{response.Sequence}/literals/0", cut.Find(".literal-downloads a").GetAttribute("href"));
    }

    [Fact]
    public async Task TheRawViewOfALargeFrame_IsPagedToo()
    {
        var (id, response) = await CaptureLargeLiteralAsync();

        var cut = Render<FrameView>(p => p.Add(f => f.SessionId, id).Add(f => f.Event, response).Add(f => f.Raw, true));

        Assert.Contains("page 1 of 49", cut.Find(".raw-pages .where").TextContent);
        Assert.True(cut.Markup.Length < 2 * RawPages.PageBytes, $"one page rendered, not {cut.Markup.Length} characters");
    }

    /// <summary>A FETCH of a 1,600,021-byte literal that starts with FIRST LINE and ends with LAST LINE, all of it kept.</summary>
    private async Task<(long Id, Storage.EventRow Response)> CaptureLargeLiteralAsync()
    {
        var body = "FIRST LINE\r\n" + string.Concat(Enumerable.Repeat(new string('x', 78) + "\r\n", 20_000)) + "LAST LINE";
        var id = await CaptureAsync(null, 4 * 1024 * 1024, ("S", "* OK ready\r\n"), ("C", "a1 FETCH 1 BODY[TEXT]\r\n"),
            ("S", $"* 1 FETCH (BODY[TEXT] {{{body.Length}}}\r\n{body})\r\na1 OK done\r\n"));
        return (id, FetchResponses(id).Single());
    }

    [Fact]
    public async Task ALiteralOverTheCaptureCap_SaysHowMuchWasKept_AndIsNeverServedAsWhole()
    {
        // A text part of 4,984 bytes under a 16-byte header, of which the capture keeps 1,000 bytes.
        var body = "Subject: cut\r\n\r\n" + new string('y', 4984);
        var id = await CaptureAsync(null, 1000, ("S", "* OK ready\r\n"), ("C", "a1 FETCH 1 (BODYSTRUCTURE BODY[])\r\n"),
            ("S", $"* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 4984 1) BODY[] {{5000}}\r\n{body})\r\na1 OK done\r\n"));
        var response = FetchResponses(id).Single();

        var cut = Render<FrameView>(p => p.Add(f => f.SessionId, id).Add(f => f.Event, response));
        cut.Find("button.show-all").Click();
        Assert.Equal("4000 bytes not kept here (over the capture cap, --literal-cap)", cut.Find(".raw-pages .not-kept").TextContent);
        cut.Find("details.message").TriggerEvent("ontoggle", EventArgs.Empty);
        Assert.Contains("Only the first 1000 of 5000 bytes were captured", cut.Find(".message .cut").TextContent);
        // Part 1 is short because of the cap, not the server: not flagged against BODYSTRUCTURE.
        Assert.Empty(cut.FindAll("table.parts tr.bad"));
        Assert.Contains("BODYSTRUCTURE in this FETCH: parts not compared, the capture kept only the first 1000 of 5000 bytes.",
            cut.FindAll(".claims .claim").Select(c => c.TextContent));

        var literal = Services.GetRequiredService<StoreQueries>().Literal(id, response.Sequence, 0)!;
        Assert.Equal(Encoding.ASCII.GetBytes(body[..1000]), literal.Kept);
        Assert.False(literal.Whole);
        Assert.Equal($"session-{id}-event-{response.Sequence}-literal-0-first-1000-of-5000-bytes.eml", literal.FileName);
    }

    [Fact]
    public async Task AFetchedMessage_ShowsDecodedHeaders_ImapPartNumbers_AndTheClaimsOfAnEarlierFetch()
    {
        // Issue 15, item 7: sizes and structure fetched by one command, the body by another, as clients do.
        var size = Encoding.ASCII.GetByteCount(HandWrittenMessage);
        var id = await CaptureAsync(
            ("S", "* OK ready\r\n"), ("C", "a1 SELECT INBOX\r\n"), ("S", "* 1 EXISTS\r\na1 OK [READ-WRITE] done\r\n"),
            ("C", "a2 UID FETCH 7 (RFC822.SIZE BODYSTRUCTURE)\r\n"),
            ("S", $"* 1 FETCH (UID 7 RFC822.SIZE {size} BODYSTRUCTURE {StructureWithOneLie})\r\na2 OK done\r\n"),
            ("C", "a3 UID FETCH 7 BODY.PEEK[]\r\n"),
            ("S", $"* 1 FETCH (UID 7 BODY[] {{{size}}}\r\n{HandWrittenMessage})\r\na3 OK done\r\n"));
        var (sizes, body) = (FetchResponses(id)[0], FetchResponses(id)[1]);

        var cut = Render<FrameView>(p => p.Add(f => f.SessionId, id).Add(f => f.Event, body));
        cut.Find("details.message").TriggerEvent("ontoggle", EventArgs.Empty);

        var headers = cut.Find(".message .headers").TextContent;
        Assert.Contains("Grüße aus Köln", headers);
        Assert.Contains("Jürgen", headers);
        Assert.Equal(["1", "1.1", "1.2", "2", "3", "3.1"], cut.FindAll("table.parts tr[data-part]").Select(r => r.GetAttribute("data-part")));
        Assert.Equal(["2"], cut.FindAll("table.parts tr.bad").Select(r => r.GetAttribute("data-part")));
        Assert.Equal(["6", "13", "8", "10"], cut.FindAll("table.parts tr[data-part] td.num:nth-child(4)").Select(c => c.TextContent).Where(t => t.Length > 0));
        var prefix = $"api/sessions/{id}/events/{body.Sequence}/literals/0";
        Assert.Equal([($"{prefix}/parts/2", "report.bin"), ($"{prefix}/parts/3", "inner")],
            cut.FindAll(".attachments a").Select(a => (a.GetAttribute("href"), a.TextContent)));
        var claims = cut.FindAll(".claims .claim").Select(c => (c.TextContent, c.ClassList.Contains("bad"))).ToList();
        Assert.Equal([
            ($"RFC822.SIZE {size} in an earlier FETCH, event {sizes.Sequence}: matches the {size} bytes sent.", false),
            ($"BODYSTRUCTURE in an earlier FETCH, event {sizes.Sequence}: 1 part differs.", true),
        ], claims);
        var frame = cut.Find("iframe.html-body");
        Assert.Equal("", frame.GetAttribute("sandbox"));
        Assert.Equal($"{prefix}/html", frame.GetAttribute("src"));
    }

    /// <summary>The session's FETCH responses, in order, as the timeline holds them.</summary>
    private List<Storage.EventRow> FetchResponses(long id)
    {
        var builder = new TimelineBuilder();
        builder.AddRange(store.GetEvents(id, 0, 1000));
        return [.. builder.Items.OfType<CommandItem>().Where(c => c.Name.EndsWith("FETCH", StringComparison.Ordinal)).SelectMany(c => c.Parts)];
    }
}
