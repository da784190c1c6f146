namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// A FETCH by message numbers completed while messages below the highest one answered got no data (RFC 3501 §6.4.5,
/// §2.3.1.2): the message the phone shows as empty, or never shows.
/// </summary>
public class FetchAnswerChecksTests
{
    /// <summary>INBOX selected with 20 messages.</summary>
    private static ScriptedSession Selected() => ScriptedSession.Selected(selectData: "* 20 EXISTS\r\n");

    private static List<string> Said(ScriptedSession session) =>
        session.Findings().Where(f => f.Rule == "fetch-answer-incomplete").Select(f => f.Detail()).ToList();

    private static string Answers(params int[] numbers) => string.Concat(numbers.Select(n => $"* {n} FETCH (FLAGS ())\r\n"));

    [Theory]
    [InlineData("1:4", new[] { 1, 4 }, "FETCH 1:4 got no data for messages 2, 3, while message 4 was answered")]
    [InlineData("1,3,5", new[] { 5 }, "FETCH 1,3,5 got no data for messages 1, 3, while message 5 was answered")]
    [InlineData("1:10", new[] { 10 }, "FETCH 1:10 got no data for messages 1, 2, 3, 4, 5 and 4 more, while message 10 was answered")]
    [InlineData("1:6", new[] { 6 }, "FETCH 1:6 got no data for messages 1, 2, 3, 4, 5, while message 6 was answered")]
    // Written high to low, answered in any order: the same messages.
    [InlineData("5:1", new[] { 5, 1, 2 }, "FETCH 5:1 got no data for messages 3, 4, while message 5 was answered")]
    public void MessagesLeftOut_AreNamed_InOrder_FiveAtMost(string set, int[] answered, string expected)
    {
        using var session = Selected().Client($"a3 FETCH {set} FLAGS\r\n").Server($"{Answers(answered)}a3 OK done\r\n");

        Assert.Equal([expected], Said(session));
    }

    [Fact]
    public void AFetchWithNoDataAtAll_OrOneWithAStar_IsNotJudged()
    {
        // Nothing answered: no message is known to exist (an empty mailbox answers so).
        using var none = Selected().Client("a3 FETCH 1:3 FLAGS\r\n").Server("a3 OK done\r\n");
        // '*' is the highest number in use, which the client may not know: 1:* covers what there is.
        using var star = Selected().Client("a3 FETCH 1,3:* FLAGS\r\n").Server($"{Answers(3)}a3 OK done\r\n");

        Assert.Empty(Said(none));
        Assert.Empty(Said(star));
    }

    [Fact]
    public void PipelinedFetches_AreEachJudgedByTheirOwnNumbers()
    {
        // Data for message 2 answers both; a4 asked for 4 and 6 and got only 6.
        using var session = Selected()
            .Client("a3 FETCH 1:2 FLAGS\r\na4 FETCH 2,4,6 FLAGS\r\n")
            .Server($"{Answers(1, 2)}a3 OK done\r\n{Answers(6)}a4 OK done\r\n");

        Assert.Equal(["FETCH 2,4,6 got no data for message 4, while message 6 was answered"], Said(session));
    }
}
