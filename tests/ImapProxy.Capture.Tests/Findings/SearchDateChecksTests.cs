namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// SEARCH BEFORE / ON / SINCE against the INTERNALDATEs fetched in the session. RFC 3501 §6.4.4: BEFORE is "earlier
/// than the specified date", ON "within the specified date", SINCE "within or later than"; the day is the internal
/// date's own, disregarding time and timezone. A server that computes the day in UTC answers wrongly near midnight,
/// and the phone shows the wrong messages for "today".
/// </summary>
public class SearchDateChecksTests
{
    /// <summary>Messages 1, 2, 3 (UIDs 11, 12, 13) on 1, 2 and 3 March 2025; message 2 late in its day.</summary>
    private static ScriptedSession Dated() => ScriptedSession.Selected("IMAP4rev1 ESEARCH", "* 3 EXISTS\r\n* OK [UIDVALIDITY 1700] ok\r\n")
        .Client("a3 FETCH 1:3 (UID INTERNALDATE)\r\n")
        .Server("* 1 FETCH (UID 11 INTERNALDATE \" 1-Mar-2025 10:00:00 +0000\")\r\n")
        .Server("* 2 FETCH (UID 12 INTERNALDATE \"02-Mar-2025 23:30:00 -0500\")\r\n")
        .Server("* 3 FETCH (UID 13 INTERNALDATE \"03-Mar-2025 00:10:00 +0100\")\r\n")
        .Server("a3 OK done\r\n");

    private static List<string> Contradictions(ScriptedSession session) =>
        session.Findings().Where(f => f.Rule == "search-date-contradiction").Select(f => f.Detail()).ToList();

    [Theory]
    [InlineData("SEARCH BEFORE 2-Mar-2025", "1", null)]
    [InlineData("SEARCH BEFORE 2-Mar-2025", "1 2", "SEARCH BEFORE 2-Mar-2025 returned message 2, whose INTERNALDATE is on 2-Mar-2025")]
    [InlineData("SEARCH ON 2-Mar-2025", "2", null)]
    [InlineData("SEARCH ON 2-Mar-2025", "2 3", "SEARCH ON 2-Mar-2025 returned message 3, whose INTERNALDATE is on 3-Mar-2025")]
    [InlineData("SEARCH ON 2-Mar-2025", "1", "SEARCH ON 2-Mar-2025 returned message 1, whose INTERNALDATE is on 1-Mar-2025")]
    [InlineData("SEARCH SINCE 2-Mar-2025", "2 3", null)]
    [InlineData("SEARCH SINCE 2-Mar-2025", "1 2 3", "SEARCH SINCE 2-Mar-2025 returned message 1, whose INTERNALDATE is on 1-Mar-2025")]
    [InlineData("UID SEARCH SINCE 02-Mar-2025", "11 12 13", "UID SEARCH SINCE 2-Mar-2025 returned UID 11, whose INTERNALDATE is on 1-Mar-2025")]
    [InlineData("uid search before 3-Mar-2025", "11 12", null)]
    // One finding per search: the rest of the answer has the same cause.
    [InlineData("SEARCH SINCE 3-Mar-2025", "1 2 3", "SEARCH SINCE 3-Mar-2025 returned message 1, whose INTERNALDATE is on 1-Mar-2025")]
    // Messages whose date the session never saw are not judged.
    [InlineData("SEARCH SINCE 3-Mar-2025", "3 4 5", null)]
    public void ADateSearchsAnswer_IsCheckedAgainstTheDaysFetched(string search, string answer, string? expected)
    {
        using var session = Dated().Client($"a4 {search}\r\n").Server($"* SEARCH {answer}\r\na4 OK done\r\n");

        Assert.Equal(expected is null ? [] : [expected], Contradictions(session));
    }

    [Fact]
    public void UidsAndMessageNumbers_AreNotConfused_WhereTheyCoincide()
    {
        // UID 1 is gone: message 1 is UID 2, message 2 is UID 3. "UID 2" and "message 2" are different messages.
        using var session = ScriptedSession.Selected(selectData: "* 2 EXISTS\r\n")
            .Client("a3 FETCH 1:2 (UID INTERNALDATE)\r\n")
            .Server("* 1 FETCH (UID 2 INTERNALDATE \"01-Mar-2025 10:00:00 +0000\")\r\n")
            .Server("* 2 FETCH (UID 3 INTERNALDATE \"03-Mar-2025 10:00:00 +0000\")\r\na3 OK done\r\n")
            .Client("a4 UID SEARCH ON 1-Mar-2025\r\n").Server("* SEARCH 2\r\na4 OK done\r\n")
            .Client("a5 SEARCH ON 3-Mar-2025\r\n").Server("* SEARCH 2\r\na5 OK done\r\n");

        Assert.Empty(Contradictions(session));
    }

    [Fact]
    public void AnEsearchAnswer_IsCheckedAgainstTheSearchItNames()
    {
        using var session = Dated()
            .Client("a4 SEARCH RETURN (ALL) SINCE 2-Mar-2025\r\n")
            .Server("* ESEARCH (TAG \"a4\") ALL 1:3\r\na4 OK done\r\n");

        Assert.Equal(["SEARCH SINCE 2-Mar-2025 returned message 1, whose INTERNALDATE is on 1-Mar-2025"], Contradictions(session));
    }

    [Fact]
    public void AnAnswerThatCannotBeTiedToOneSearch_IsNotJudged()
    {
        // Two date searches pipelined: an untagged SEARCH could answer either (message 2 fits neither, yet which
        // one the server got wrong cannot be told).
        using var pipelined = Dated()
            .Client("a4 SEARCH ON 1-Mar-2025\r\na5 SEARCH ON 3-Mar-2025\r\n")
            .Server("* SEARCH 2\r\na4 OK done\r\n* SEARCH 3\r\na5 OK done\r\n");
        // After its tagged OK a search is over: a later SEARCH response answers some other command.
        using var late = Dated()
            .Client("a4 SEARCH ON 1-Mar-2025\r\n")
            .Server("* SEARCH 1\r\na4 OK done\r\n")
            .Client("a5 SEARCH FLAGGED\r\n")
            .Server("* SEARCH 2 3\r\na5 OK done\r\n");

        Assert.Empty(Contradictions(pipelined));
        Assert.Empty(Contradictions(late));
    }
}
