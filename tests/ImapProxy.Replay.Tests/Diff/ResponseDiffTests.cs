using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Replay.Diff;

namespace ImapProxy.Replay.Tests.Diff;

/// <summary>Responses parsed by the real parser from server text, then compared.</summary>
public class ResponseDiffTests
{
    [Fact]
    public void VolatileValues_AreIgnored_UnlessStrict()
    {
        var original = Parse("* 2 RECENT\r\n* 1 FETCH (UID 10 FLAGS (\\Seen \\Recent) INTERNALDATE \"26-Nov-2026 09:00:00 +0000\" RFC822.SIZE 120)\r\n* OK [UIDVALIDITY 7] UIDs valid\r\nA1 OK Fetch completed (0.001 secs).\r\n");
        var replay = Parse("* 0 RECENT\r\n* 1 FETCH (UID 99 FLAGS (\\Seen) INTERNALDATE \"27-Nov-2026 10:00:00 +0000\" RFC822.SIZE 120)\r\n* OK [UIDVALIDITY 8] UIDs valid\r\nB7 OK Fetch completed (0.002 secs).\r\n");

        Assert.Empty(ResponseDiff.Compare(original, replay));
        Assert.Empty(ResponseDiff.Compare(Parse("A1 OK [APPENDUID 7 1] done\r\n"), Parse("A1 OK [APPENDUID 8 2] done\r\n")));
        var strict = ResponseDiff.Compare(original, replay, strict: true);
        Assert.Contains(strict, c => c is { Response: "* 1 FETCH", Path: "data.uid", Original: "10", Replay: "99" });
        Assert.Contains(strict, c => c is { Response: "* OK", Path: "code.number", Original: "7", Replay: "8" });
        Assert.Contains(strict, c => c is { Response: "tagged", Path: "text" });
        Assert.Contains(strict, c => c is { Response: "* 1 FETCH", Path: "data.flags" });
        Assert.Contains(strict, c => c.Response == "* RECENT");
    }

    /// <summary>\Marked and \Unmarked are the server's guess of new mail since it last looked (RFC 3501 §7.2.2).</summary>
    [Fact]
    public void ListHintsAServerAddsAtWill_AreNoDifference_UnlessStrict()
    {
        var original = Parse("* LIST (\\HasNoChildren) \".\" INBOX\r\n* LIST (\\HasNoChildren \\Marked) \".\" Sent\r\nA1 OK done\r\n");
        var replay = Parse("* LIST (\\HasNoChildren \\UnMarked) \".\" INBOX\r\n* LIST (\\HasNoChildren) \".\" Sent\r\nA1 OK done\r\n");

        Assert.Empty(ResponseDiff.Compare(original, replay));
        Assert.Equal(["* LIST INBOX", "* LIST Sent"], ResponseDiff.Compare(original, replay, strict: true).Select(c => c.Response));
        // Any other attribute still counts.
        var noSelect = Parse("* LIST (\\HasNoChildren \\Noselect) \".\" INBOX\r\n* LIST (\\HasNoChildren \\Marked) \".\" Sent\r\nA1 OK done\r\n");
        Assert.Equal(("* LIST INBOX", "data.flags"), ResponseDiff.Compare(original, noSelect).Select(c => (c.Response, c.Path)).Single());
    }

    [Fact]
    public void ChangedValue_IsNamedByResponseAndPath()
    {
        var original = Parse("* 1 FETCH (FLAGS (\\Seen) RFC822.SIZE 120)\r\n* 2 FETCH (FLAGS () RFC822.SIZE 80)\r\nA1 OK done\r\n");
        var replay = Parse("* 1 FETCH (FLAGS (\\Seen) RFC822.SIZE 120)\r\n* 2 FETCH (FLAGS (\\Flagged) RFC822.SIZE 80)\r\nA1 OK done\r\n");

        var change = Assert.Single(ResponseDiff.Compare(original, replay));

        Assert.Equal(new ResponseChange("changed", "* 2 FETCH", "data.flags", "[]", """["\\Flagged"]"""), change);
    }

    [Fact]
    public void MissingAndAddedResponses_AreListed_AndAStatusChangeShows()
    {
        var original = Parse("* LIST () \".\" INBOX\r\n* LIST () \".\" Old\r\nA1 OK done\r\n");
        var replay = Parse("* LIST () \".\" INBOX\r\n* LIST () \".\" New\r\nA1 NO [TRYCREATE] nope\r\n");

        var changes = ResponseDiff.Compare(original, replay);

        Assert.Contains(changes, c => c is { Kind: "missing", Response: "* LIST Old" });
        Assert.Contains(changes, c => c is { Kind: "added", Response: "* LIST New" });
        Assert.Contains(changes, c => c is { Kind: "changed", Response: "tagged", Path: "status", Original: "\"ok\"", Replay: "\"no\"" });
    }

    [Fact]
    public void LiteralBodies_CompareBySize_NotByWhereTheyWere()
    {
        var original = Parse("* 1 FETCH (BODY[] {5}\r\nhello)\r\nA1 OK done\r\n");
        var shifted = Parse("* OK [ALERT] first\r\n* 1 FETCH (BODY[] {5}\r\nhello)\r\nA1 OK done\r\n").Skip(1).ToList();
        var longer = Parse("* 1 FETCH (BODY[] {6}\r\nhello!)\r\nA1 OK done\r\n");

        Assert.Empty(ResponseDiff.Compare(original, shifted));
        Assert.Contains(ResponseDiff.Compare(original, longer), c => c.Path == "data.sections[0].size");
    }

    [Fact]
    public void DeeplyNestedResponse_IsCompared_NotThrown()
    {
        var deep = $"* XFOO {new string('(', 70)}x{new string(')', 70)}\r\nA1 OK done\r\n";
        var deeper = deep.Replace("x", "y", StringComparison.Ordinal);

        Assert.Equal(2, Parse(deep).Count);
        Assert.Empty(ResponseDiff.Compare(Parse(deep), Parse(deep)));
        Assert.Contains(ResponseDiff.Compare(Parse(deep), Parse(deeper)), c => c is { Kind: "changed", Response: "* XFOO" });
    }

    [Fact]
    public void MailboxNamedLikeASecondResponse_IsItsOwnResponse()
    {
        var original = Parse("* LIST () \".\" INBOX\r\n* LIST () \".\" INBOX\r\n* LIST () \".\" \"INBOX #2\"\r\nA1 OK done\r\n");

        Assert.Empty(ResponseDiff.Compare(original, original));
        Assert.Contains(ResponseDiff.Compare(original, original.Take(2).Append(original[^1]).ToList()), c => c is { Kind: "missing", Response: "* LIST INBOX #2" });
    }

    /// <summary>The response frames the real parser makes of <paramref name="server"/> after the client's "A1 FETCH".</summary>
    private static List<ResponseFrame> Parse(string server)
    {
        var sink = new Frames();
        var parser = new ImapSessionParser(sink, ImapParserOptions.Default with { StartsAuthenticated = true });
        parser.Feed(Direction.Server, "* OK ready\r\n"u8);
        parser.Feed(Direction.Client, "A1 FETCH 1:* ALL\r\n"u8);
        sink.Responses.Clear();
        parser.Feed(Direction.Server, Encoding.UTF8.GetBytes(server));
        return sink.Responses;
    }

    private sealed class Frames : IImapSink
    {
        public List<ResponseFrame> Responses { get; } = [];
        public void OnFrame(ImapFrame frame)
        {
            if (frame is ResponseFrame response) Responses.Add(response);
        }
        public void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Protocol.Framing.Literal? literal) { }
    }
}
