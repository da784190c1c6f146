using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Tests;

public class CommandParsingTests
{
    [Fact]
    public void Login_PasswordIsRedactedInFramesAndRawBytes()
    {
        var session = ParsedSession.FromClient("a1 LOGIN alice \"s3cret\"\r\n");

        var command = Assert.IsType<CommandFrame>(Assert.Single(session.Frames));
        Assert.Equal("LOGIN", command.Name);
        Assert.Equal("alice", Assert.IsType<LoginArgs>(command.Args).User);
        Assert.DoesNotContain("s3cret", session.ClientText);
        Assert.DoesNotContain("s3cret", session.Json);
        Assert.Equal("a1 LOGIN alice \"******\"\r\n", session.ClientText);
    }

    [Fact]
    public void CommandNames_AreUpperCased_AndTheClientsOwnSpellingIsKept()
    {
        var session = ParsedSession.FromClient("1 capability\r\n2 UID fetch 1:* (FLAGS)\r\n3 NOOP\r\n4 uid\r\n");

        var commands = session.Frames.OfType<CommandFrame>().Select(c => (c.Name, c.NameAsSent));
        Assert.Equal([("CAPABILITY", "capability"), ("UID FETCH", "UID fetch"), ("NOOP", null), ("UID", "uid")], commands);
        Assert.Contains("\"command\":\"UID FETCH\",\"commandAsSent\":\"UID fetch\"", session.Json);
        Assert.DoesNotContain("\"commandAsSent\":\"NOOP\"", session.Json);
    }

    [Fact]
    public void List_SelectionAndReturnOptions_AndMalformedForms()
    {
        var commands = ParsedSession.FromClient(
            "a1 LIST (SUBSCRIBED) \"\" (\"INBOX\" \"Sent\") RETURN (CHILDREN)\r\na2 LIST \"\" \"*\" RETURN\r\na3 LIST \"\"\r\n" +
            "a4 LIST \"\" * RETURN (STATUS (MESSAGES UNSEEN) CHILDREN)\r\n")
            .Frames.OfType<CommandFrame>().ToDictionary(c => c.Tag);

        var extended = Assert.IsType<ListArgs>(commands["a1"].Args);
        Assert.Equal("", extended.Reference);
        Assert.Equal(["INBOX", "Sent"], extended.Patterns);
        Assert.Equal(["SUBSCRIBED"], extended.SelectOptions!);
        Assert.Equal(["CHILDREN"], extended.ReturnOptions!);
        Assert.Null(commands["a1"].Diagnostics);
        // RETURN without its options: the pattern is still read; the command is named malformed.
        Assert.Equal(["*"], Assert.IsType<ListArgs>(commands["a2"].Args).Patterns);
        Assert.Equal("malformed syntax: unexpected arguments for LIST", Assert.Single(commands["a2"].Diagnostics!).Message);
        Assert.Null(commands["a3"].Args);
        Assert.Equal("malformed syntax: unexpected arguments for LIST", Assert.Single(commands["a3"].Diagnostics!).Message);
        // STATUS's own list (RFC 5819 §2) is its argument, not a return option of its own.
        Assert.Equal(["STATUS", "CHILDREN"], Assert.IsType<ListArgs>(commands["a4"].Args).ReturnOptions!);
    }

    [Fact]
    public void Search_ReadsTheCriteriaTree()
    {
        var commands = ParsedSession.FromClient(
            "a4 UID SEARCH RETURN (MIN COUNT) CHARSET UTF-8 (FROM \"ann\" SEEN) NOT DELETED OR 1:5,9 UID 7 " +
            "MODSEQ \"/flags/\\\\draft\" all 620162338 HEADER X-Spam yes X-UNKNOWN\r\n" +
            "a5 SEARCH OR FROM\r\na6 SEARCH\r\na7 SEARCH MODSEQ 5 (OR SEEN)\r\n")
            .Frames.OfType<CommandFrame>().ToDictionary(c => c.Tag);

        var search = Assert.IsType<SearchArgs>(commands["a4"].Args);
        Assert.Equal((true, "UTF-8"), (search.Uid, search.Charset));
        Assert.Equal(["MIN", "COUNT"], search.ReturnOptions!);
        Assert.Equal("AND(AND(FROM ann, SEEN), NOT(DELETED), OR(SET 1:5,9, UID 7), MODSEQ /flags/\\draft all 620162338, " +
            "HEADER X-Spam yes, X-UNKNOWN)", Show(search.Criteria));
        Assert.Null(commands["a4"].Diagnostics);
        // OR with a FROM that has no value, SEARCH without criteria, OR inside a group with one operand: malformed.
        Assert.All(["a5", "a6", "a7"], tag =>
        {
            Assert.Null(commands[tag].Args);
            Assert.Equal("malformed syntax: unexpected arguments for SEARCH", Assert.Single(commands[tag].Diagnostics!).Message);
        });
    }

    [Fact]
    public void FetchSections_MayHoldQuotedNamesAndLiterals()
    {
        // Header names inside a section are astrings (RFC 3501 §9 header-list): quoted, with escapes, or literals.
        var session = ParsedSession.Run(Transcript.Of(("S", "* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n"),
            ("C", "a1 SELECT INBOX\r\n"), ("S", "a1 OK done\r\n"),
            ("C", "a2 FETCH 1 (BODY.PEEK[HEADER.FIELDS (\"Sub]ject\" \"X-\\\"Q\\\"\")]<0.100> BODY[HEADER.FIELDS ({4+}\r\nFrom)] FLAGS)\r\n"),
            ("S", "a2 OK done\r\n")));

        var fetch = Assert.IsType<FetchArgs>(session.Frames.OfType<CommandFrame>().Single(c => c.Tag == "a2").Args);
        Assert.Equal(["BODY.PEEK", "BODY", "FLAGS"], fetch.Attributes.Select(a => a.Name));
        Assert.Equal(("HEADER.FIELDS (\"Sub]ject\" \"X-\\\"Q\\\"\")", "0.100"), (fetch.Attributes[0].Section, fetch.Attributes[0].Partial));
        // The literal is stepped over whole (its body is the frame's literal, not section text), and FLAGS read after it.
        Assert.Equal("HEADER.FIELDS ({4+}\r\n)", fetch.Attributes[1].Section);
        Assert.Equal(4L, Assert.Single(session.Frames.OfType<CommandFrame>().Single(c => c.Tag == "a2").Literals!).Length);
        Assert.DoesNotContain(session.Frames, f => f.Diagnostics is not null);
    }

    [Theory]
    [InlineData("Tom &- Jerry", "Tom & Jerry")]
    [InlineData("&AOk-t&AOk-", "été")]
    [InlineData("&ZeVnLIqe-", "日本語")]
    public void MailboxNames_AreDecodedFromModifiedUtf7(string wire, string name)
    {
        var command = Assert.IsType<CommandFrame>(Assert.Single(ParsedSession.FromClient($"a1 CREATE \"{wire}\"\r\n").Frames));

        Assert.Equal(name, Assert.IsType<MailboxArgs>(command.Args).Mailbox);
        Assert.Null(command.Diagnostics);
    }

    [Theory]
    [InlineData("BCC", "BEFORE", "BODY", "CC", "FROM", "KEYWORD", "LARGER", "ON", "SENTBEFORE", "SENTON", "SENTSINCE")]
    [InlineData("SINCE", "SMALLER", "SUBJECT", "TEXT", "TO", "UID", "UNKEYWORD", "OLDER", "YOUNGER", "FILTER")] // RFC 5032, RFC 5466
    [InlineData("EMAILID", "THREADID", "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE")] // RFC 8474, RFC 8514
    [InlineData("X-GM-RAW", "X-GM-MSGID", "X-GM-THRID", "X-GM-LABELS")] // Gmail's extensions
    public void SearchKeysWithOneArgument_TakeIt(params string[] keys)
    {
        foreach (var key in keys)
        {
            var command = Assert.IsType<CommandFrame>(Assert.Single(ParsedSession.FromClient($"a1 SEARCH {key.ToLowerInvariant()} v SEEN\r\n").Frames));
            Assert.Equal($"AND({key} v, SEEN)", Show(Assert.IsType<SearchArgs>(command.Args).Criteria));
        }
    }

    [Fact]
    public void SearchKeysWithoutArguments_AndUnknownKeys_StandAlone()
    {
        var command = Assert.IsType<CommandFrame>(Assert.Single(ParsedSession.FromClient("a1 SEARCH FUZZY TEXT hi UNDRAFT XKEY 4,7:*\r\n").Frames));

        Assert.Equal("AND(FUZZY, TEXT hi, UNDRAFT, XKEY, SET 4,7:*)", Show(Assert.IsType<SearchArgs>(command.Args).Criteria));
    }

    private static string Show(SearchKey key) => key switch
    {
        SearchTerm { Args: null } term => term.Key,
        SearchTerm term => $"{term.Key} {string.Join(' ', term.Args.Select(a => a.AsText()))}",
        SearchAnd and => $"AND({string.Join(", ", and.Keys.Select(Show))})",
        SearchOr or => $"OR({Show(or.Left)}, {Show(or.Right)})",
        SearchNot not => $"NOT({Show(not.Key)})",
        _ => throw new ArgumentException(key.GetType().Name),
    };
}
