using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Replay.Captured;

namespace ImapProxy.Replay.Tests.Captured;

public class CapturedSessionLoaderTests
{
    private const Direction C = Direction.Client;
    private const Direction S = Direction.Server;

    private static readonly (Direction, string)[] Conversation =
    [
        (S, "* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] ready\r\n"),
        (C, "a1 AUTHENTICATE PLAIN\r\n"),
        (S, "+ \r\n"),
        (C, "AGFsaWNlAHNlY3JldA==\r\n"),
        (S, "a1 OK logged in\r\n"),
        (C, "a2 SELECT INBOX\r\n"),
        (S, "* 2 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\na2 OK [READ-WRITE] selected\r\n"),
        (C, "a3 APPEND INBOX {5}\r\n"),
        (S, "+ go ahead\r\n"),
        (C, "hello\r\n"),
        (S, "a3 OK [APPENDUID 7 3] appended\r\n"),
        (C, "a4 IDLE\r\n"),
        (S, "+ idling\r\n"),
        (S, "* 3 EXISTS\r\n"),
        (C, "DONE\r\n"),
        (S, "a4 OK idle done\r\n"),
        (C, "a5 LOGOUT\r\n"),
        (S, "* BYE bye\r\na5 OK logged out\r\n"),
    ];

    [Fact]
    public async Task Session_IsCutIntoGreetingExchangesAndParts()
    {
        using var recorded = new RecordedStore();
        var id = await recorded.RecordAsync(Conversation);

        var verdict = ReplayCheck.Check(recorded.Store, id);

        Assert.Null(verdict.ClientReplay);
        Assert.Null(verdict.ServerReplay);
        var session = verdict.Session!;
        Assert.Equal("* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] ready\r\n", Text(session.Greeting));
        Assert.Equal(["AUTHENTICATE", "SELECT", "APPEND", "IDLE", "LOGOUT"], session.Exchanges.Select(x => x.Name));
        var (auth, select, append, idle, logout) = (session.Exchanges[0], session.Exchanges[1], session.Exchanges[2], session.Exchanges[3], session.Exchanges[4]);

        // The SASL response was redacted at capture: same length, stars.
        Assert.Equal(["+ \r\n", "a1 OK logged in\r\n"], auth.ServerParts.Select(Text));
        Assert.Equal("********************\r\n", Text(Assert.Single(auth.ClientLines)));
        Assert.Equal(["* 2 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\na2 OK [READ-WRITE] selected\r\n"], select.ServerParts.Select(Text));
        Assert.Equal("a2 OK", Text(select.ServerParts[0][select.CompletionStart..])[..5]);
        Assert.Equal(3, select.Responses.Count);
        Assert.Equal("a3 APPEND INBOX {5}\r\nhello\r\n", Text(append.Command));
        Assert.Equal(["+ go ahead\r\n", "a3 OK [APPENDUID 7 3] appended\r\n"], append.ServerParts.Select(Text));
        Assert.Equal(["+ idling\r\n", "* 3 EXISTS\r\na4 OK idle done\r\n"], idle.ServerParts.Select(Text));
        Assert.Equal("DONE\r\n", Text(Assert.Single(idle.ClientLines)));
        Assert.Equal(TimeSpan.FromMilliseconds(30), idle.IdleFor);
        Assert.Equal(["* BYE bye\r\na5 OK logged out\r\n"], logout.ServerParts.Select(Text));
        Assert.Equal(ResponseStatus.Ok, logout.Status);
        Assert.Equal(TimeSpan.FromMilliseconds(10), logout.Latency);
        Assert.Empty(session.Trailer);
        Assert.True(session.ServerClosed);
    }

    [Fact]
    public async Task LiveSession_IsNotReplayable()
    {
        using var recorded = new RecordedStore();
        var id = await recorded.RecordAsync(Conversation[..3], close: false);

        var verdict = ReplayCheck.Check(recorded.Store, id);

        Assert.Contains("still live", verdict.ClientReplay);
        Assert.Contains("still live", verdict.ServerReplay);
    }

    [Fact]
    public async Task XOAuth2Login_CannotBeReplayedByTheClient_ButCanBeServed()
    {
        using var recorded = new RecordedStore();
        var id = await recorded.RecordAsync([
            (S, "* OK ready\r\n"), (C, "a1 AUTHENTICATE XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2tlbgEB\r\n"), (S, "a1 OK\r\n"),
        ]);

        var verdict = ReplayCheck.Check(recorded.Store, id);

        Assert.Contains("AUTHENTICATE XOAUTH2", verdict.ClientReplay);
        Assert.Null(verdict.ServerReplay);
    }

    [Fact]
    public async Task LiteralAboveTheCaptureCap_MakesTheSessionIncomplete()
    {
        using var recorded = new RecordedStore();
        var id = await recorded.RecordAsync([
            (S, "* OK ready\r\n"), (C, "a1 FETCH 1 BODY[]\r\n"), (S, $"* 1 FETCH (BODY[] {{100}}\r\n{new string('x', 100)})\r\na1 OK\r\n"),
        ], literalCap: 10);

        var verdict = ReplayCheck.Check(recorded.Store, id);

        Assert.Contains("90 bytes of what the server sent were not stored", verdict.ServerReplay);
        Assert.Contains("--literal-cap", verdict.ClientReplay);
    }

    [Fact]
    public async Task RecordingWithoutGreeting_CannotBeServed()
    {
        using var recorded = new RecordedStore();
        var id = await recorded.RecordAsync([(C, "a1 NOOP\r\n"), (S, "a1 OK\r\n")]);

        // Captured by the proxy, not imported: the reason is how the session ended, not a rawlog (issue 15).
        Assert.Equal($"the server sent no greeting before session {id} ended (server-closed: test), so a client would have nothing to start from",
            ReplayCheck.Check(recorded.Store, id).ServerReplay);
    }

    [Fact]
    public void UnknownSession_IsNamed()
    {
        using var recorded = new RecordedStore();
        Assert.Equal("there is no session 42", ReplayCheck.Check(recorded.Store, 42).ClientReplay);
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
