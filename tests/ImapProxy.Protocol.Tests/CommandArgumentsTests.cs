using System.Text.Json;

namespace ImapProxy.Protocol.Tests;

/// <summary>
/// Each command's typed arguments (RFC 3501 §6 and the extensions named), as the JSON a user reads in the store and
/// the API, written out by hand; and the forms each command must not take, which leave no typed arguments (or only
/// what could be read) and say so.
/// </summary>
public class CommandArgumentsTests
{
    private const string Malformed = "malformed";

    [Theory]
    [InlineData("LOGIN alice secret", """{"type":"login","user":"alice","password":"[redacted]"}""")]
    [InlineData("LOGIN alice", null, Malformed)]
    [InlineData("AUTHENTICATE plain", """{"type":"authenticate","mechanism":"PLAIN","hasInitialResponse":false}""")]
    [InlineData("AUTHENTICATE", null, Malformed)]
    [InlineData("SELECT INBOX (CONDSTORE)", """{"type":"select","mailbox":"INBOX","readOnly":false,"parameters":["CONDSTORE"]}""")]
    [InlineData("EXAMINE Archive", """{"type":"select","mailbox":"Archive","readOnly":true}""")]
    [InlineData("SELECT", null, Malformed)]
    [InlineData("CREATE Projects", """{"type":"mailbox","mailbox":"Projects"}""")]
    [InlineData("DELETE Projects", """{"type":"mailbox","mailbox":"Projects"}""")]
    [InlineData("SUBSCRIBE Projects", """{"type":"mailbox","mailbox":"Projects"}""")]
    [InlineData("UNSUBSCRIBE Projects", """{"type":"mailbox","mailbox":"Projects"}""")]
    [InlineData("DELETE", null, Malformed)]
    [InlineData("RENAME Old New", """{"type":"rename","from":"Old","to":"New"}""")]
    [InlineData("RENAME Old", null, Malformed)]
    [InlineData("LSUB \"\" *", """{"type":"list","reference":"","patterns":["*"]}""")]
    [InlineData("XLIST \"\" %", """{"type":"list","reference":"","patterns":["%"]}""")]
    [InlineData("STATUS Sent (messages unseen)", """{"type":"status","mailbox":"Sent","items":["MESSAGES","UNSEEN"]}""")]
    [InlineData("STATUS Sent", null, Malformed)]
    [InlineData("FETCH 1:3 flags", """{"type":"fetch","sequenceSet":"1:3","uid":false,"attributes":[{"name":"FLAGS"}]}""")]
    [InlineData("UID FETCH 1:* (FLAGS BODY.PEEK[1.MIME]<0.100>) (CHANGEDSINCE 5)",
        """{"type":"fetch","sequenceSet":"1:*","uid":true,"attributes":[{"name":"FLAGS"},{"name":"BODY.PEEK","section":"1.MIME","partial":"0.100"}],"modifiers":["CHANGEDSINCE","5"]}""")]
    [InlineData("FETCH 1 FLAGS UID", """{"type":"fetch","sequenceSet":"1","uid":false,"attributes":[{"name":"FLAGS"}]}""", Malformed)]
    [InlineData("FETCH 1", null, Malformed)]
    [InlineData("FETCH 1 BODY[]extra", """{"type":"fetch","sequenceSet":"1","uid":false,"attributes":[{"name":"BODY","section":""}]}""")]
    [InlineData("STORE 1 +FLAGS.SILENT (\\Seen)", """{"type":"store","sequenceSet":"1","uid":false,"action":"+FLAGS","silent":true,"flags":["\\Seen"]}""")]
    [InlineData("UID STORE 5 (UNCHANGEDSINCE 9) -flags \\Deleted \\Seen",
        """{"type":"store","sequenceSet":"5","uid":true,"action":"-FLAGS","silent":false,"flags":["\\Deleted","\\Seen"],"modifiers":["UNCHANGEDSINCE","9"]}""")]
    [InlineData("STORE 2 X-GM-LABELS (work)", """{"type":"store","sequenceSet":"2","uid":false,"action":"X-GM-LABELS","silent":false,"flags":["work"]}""")]
    [InlineData("STORE 1 COLOUR (red)", """{"type":"store","sequenceSet":"1","uid":false,"action":"COLOUR","silent":false,"flags":["red"]}""", Malformed)]
    [InlineData("STORE 1 FLAGS", null, Malformed)]
    [InlineData("COPY 1:2 Trash", """{"type":"copy","sequenceSet":"1:2","uid":false,"move":false,"mailbox":"Trash"}""")]
    [InlineData("MOVE 4 Trash", """{"type":"copy","sequenceSet":"4","uid":false,"move":true,"mailbox":"Trash"}""")]
    [InlineData("UID COPY 7 Archive", """{"type":"copy","sequenceSet":"7","uid":true,"move":false,"mailbox":"Archive"}""")]
    [InlineData("UID MOVE 7 Archive", """{"type":"copy","sequenceSet":"7","uid":true,"move":true,"mailbox":"Archive"}""")]
    [InlineData("MOVE 1", null, Malformed)]
    [InlineData("EXPUNGE", """{"type":"expunge","uid":false}""")]
    [InlineData("EXPUNGE 1", null, Malformed)]
    [InlineData("UID EXPUNGE 3:5", """{"type":"expunge","uid":true,"sequenceSet":"3:5"}""")]
    [InlineData("UID EXPUNGE", null, Malformed)]
    [InlineData("ID (\"name\" \"Mail\" \"version\" NIL)", """{"type":"id","fields":{"name":"Mail","version":null}}""")]
    [InlineData("ID NIL", """{"type":"id"}""")]
    [InlineData("ID", null, Malformed)]
    // Capability names as sent: they are case-insensitive (RFC 3501 §7.2.1), and readers compare them so.
    [InlineData("ENABLE condstore QRESYNC", """{"type":"enable","capabilities":["condstore","QRESYNC"]}""")]
    [InlineData("ENABLE", null, Malformed)]
    [InlineData("COMPRESS deflate", """{"type":"compress","mechanism":"DEFLATE"}""")]
    [InlineData("COMPRESS", null, Malformed)]
    [InlineData("APPEND Drafts (\\Draft) \"05-Dec-2026 10:00:00 +0000\" {2+}\r\nhi",
        """{"type":"append","mailbox":"Drafts","messages":[{"flags":["\\Draft"],"internalDate":"05-Dec-2026 10:00:00 +0000","message":{"offset":61,"length":2,"nonSynchronizing":true}}]}""")]
    [InlineData("APPEND Drafts", null, Malformed)]
    [InlineData("APPEND Drafts (\\Draft)", null, Malformed)]
    [InlineData("APPEND Drafts (\\Draft) NotALiteral", null, Malformed)]
    [InlineData("STORE 3 +X-GM-LABELS (work)", """{"type":"store","sequenceSet":"3","uid":false,"action":"+X-GM-LABELS","silent":false,"flags":["work"]}""")]
    [InlineData("STORE 3 -X-GM-LABELS.SILENT (work)", """{"type":"store","sequenceSet":"3","uid":false,"action":"-X-GM-LABELS","silent":true,"flags":["work"]}""")]
    [InlineData("STORE 3 FLAGS.SILENT ()", """{"type":"store","sequenceSet":"3","uid":false,"action":"FLAGS","silent":true,"flags":[]}""")]
    [InlineData("APPEND Drafts CATENATE (URL \"/INBOX;UID=20/;section=1\")",
        """{"type":"append","mailbox":"Drafts","messages":[{"catenate":["URL","/INBOX;UID=20/;section=1"]}]}""")] // RFC 4469 §5
    [InlineData("APPEND Drafts CATENATE", null, Malformed)]
    [InlineData("CAPABILITY", null)]
    [InlineData("CAPABILITY now", null, Malformed)]
    [InlineData("NOOP now", null, Malformed)]
    [InlineData("LOGOUT now", null, Malformed)]
    [InlineData("STARTTLS now", null, Malformed)]
    [InlineData("IDLE now", null, Malformed)]
    [InlineData("NAMESPACE now", null, Malformed)]
    [InlineData("CHECK now", null, Malformed)]
    [InlineData("CLOSE now", null, Malformed)]
    [InlineData("UNSELECT now", null, Malformed)]
    [InlineData("CLOSE", null)]
    [InlineData("UNSELECT", null)]
    [InlineData("XAPPLEPUSHSERVICE aps-version 2", null)]
    [InlineData("AUTHENTICATE PLAIN =", """{"type":"authenticate","mechanism":"PLAIN","hasInitialResponse":true}""")] // RFC 4959 §3: "=" is an empty initial response
    [InlineData("AUTHENTICATE PLAIN YWRtaW4AYWxpY2UAcHc=", """{"type":"authenticate","mechanism":"PLAIN","hasInitialResponse":true,"user":"alice"}""")] // RFC 4616 §2: "admin" NUL "alice" NUL "pw": the authcid
    [InlineData("LIST", null, Malformed)]
    [InlineData("SELECT NIL", """{"type":"select","mailbox":"NIL","readOnly":false}""")] // RFC 3501 §9: an astring "NIL" is the name NIL
    [InlineData("STORE 1", null, Malformed)]
    [InlineData("FETCH 1 BODY[]<0.10", """{"type":"fetch","sequenceSet":"1","uid":false,"attributes":[{"name":"BODY","section":""}]}""")] // no closing ">": no partial
    [InlineData("SEARCH UNSEEN", """{"type":"search","uid":false,"criteria":{"op":"term","key":"UNSEEN"}}""")] // one key is the criteria itself
    [InlineData("SEARCH 1:5,7", """{"type":"search","uid":false,"criteria":{"op":"term","key":"SET","args":["1:5,7"]}}""")]
    [InlineData("SEARCH XSPAM2", """{"type":"search","uid":false,"criteria":{"op":"term","key":"XSPAM2"}}""")] // a digit does not make a sequence set
    [InlineData("SEARCH \"\"", """{"type":"search","uid":false,"criteria":{"op":"term","key":""}}""")] // RFC 3501 §9: a sequence set has at least one number or *
    [InlineData("SEARCH MODSEQ", null, Malformed)] // RFC 7162 §3.1.5: MODSEQ needs its value
    [InlineData("SEARCH RETURN", """{"type":"search","uid":false,"criteria":{"op":"term","key":"RETURN"}}""")]
    [InlineData("SEARCH CHARSET", """{"type":"search","uid":false,"criteria":{"op":"term","key":"CHARSET"}}""")]
    public void TypedArguments(string command, string? json, string? problem = null)
    {
        var frame = ParsedSession.FromClient($"t1 {command}\r\n").Frames.OfType<CommandFrame>().Single();

        Assert.Equal(json, frame.Args is null ? null : JsonSerializer.Serialize(frame.Args, FrameJson.Options));
        var name = frame.Name;
        if (problem is null) Assert.Null(frame.Diagnostics);
        else Assert.Equal($"malformed syntax: unexpected arguments for {name}", Assert.Single(frame.Diagnostics!).Message);
    }

    [Fact]
    public void UntypedArguments_AreKeptOnlyForCommandsWithoutTypedOnes()
    {
        CommandFrame Parse(string line) => ParsedSession.FromClient($"t1 {line}\r\n").Frames.OfType<CommandFrame>().Single();

        Assert.Equal(["aps-version", "2"], Parse("XAPPLEPUSHSERVICE aps-version 2").Arguments!.Select(a => a.AsText()));
        Assert.Null(Parse("XAPPLEPUSHSERVICE").Arguments);
        Assert.Null(Parse("SELECT INBOX").Arguments);
        Assert.Null(Parse("NOOP").Arguments);
        // "UID" takes the command after it (RFC 3501 §6.4.8); followed by no command name it stays "UID".
        Assert.Equal("UID", Parse("UID (x)").Name);
    }

    [Fact]
    public void ArgumentsGluedToTheCommandName_AreASyntaxError()
    {
        var frame = ParsedSession.FromClient("t1 NOOP(x)\r\n").Frames.OfType<CommandFrame>().Single();

        Assert.Equal(("NOOP", "malformed syntax: unexpected text after the arguments"), (frame.Name, Assert.Single(frame.Diagnostics!).Message));
    }

    /// <summary>SEARCH keys nest (NOT, OR on either side, parenthesised groups) up to 100 deep; deeper is not read.</summary>
    [Theory]
    [InlineData("not", 100, true)]
    [InlineData("not", 101, false)]
    [InlineData("or-left", 100, true)]
    [InlineData("or-left", 101, false)]
    [InlineData("or-right", 100, true)]
    [InlineData("or-right", 101, false)]
    [InlineData("not-group", 50, true)] // 50 NOTs around 50 groups
    [InlineData("not-group", 51, false)]
    public void SearchKeys_NestToALimit(string shape, int depth, bool typed)
    {
        static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));
        var keys = shape switch
        {
            "not" => Repeat("NOT ", depth) + "SEEN",
            "or-left" => Repeat("OR ", depth) + Repeat("SEEN ", depth) + "SEEN",
            "or-right" => Repeat("OR SEEN ", depth) + "SEEN",
            _ => Repeat("NOT ", depth) + Repeat("(", 50) + "SEEN" + Repeat(")", 50),
        };
        var frame = ParsedSession.FromClient($"t1 SEARCH {keys}\r\n").Frames.OfType<CommandFrame>().Single();

        Assert.Equal(typed, frame.Args is not null);
    }
}
