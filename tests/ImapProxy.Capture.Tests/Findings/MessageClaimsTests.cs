using ImapProxy.Protocol;
using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Events;
using ImapProxy.Recording.Findings;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>What the server claimed of a fetched message, found across the session as the findings engine finds it.</summary>
public sealed class MessageClaimsTests
{
    [Fact]
    public void ClaimsByUid_AreFoundInOtherFetches_TheLastBeforeTheBodyPreferred()
    {
        using var session = new ScriptedSession();
        var events = session
            .Server("* OK ready\r\n").Client("a1 SELECT INBOX\r\n").Server("* 1 EXISTS\r\na1 OK [READ-WRITE] done\r\n")
            .Client("a2 UID FETCH 7 (RFC822.SIZE)\r\n").Server("* 1 FETCH (UID 7 RFC822.SIZE 90)\r\na2 OK done\r\n")
            .Client("a3 UID FETCH 7 (RFC822.SIZE)\r\n").Server("* 1 FETCH (UID 7 RFC822.SIZE 5)\r\na3 OK done\r\n")
            .Client("a4 UID FETCH 7 (BODY[])\r\n").Server("* 1 FETCH (UID 7 BODY[] {5}\r\nHello)\r\na4 OK done\r\n")
            .Client("a5 UID FETCH 7 (BODYSTRUCTURE)\r\n").Server("* 1 FETCH (UID 7 BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 5 1))\r\na5 OK done\r\n")
            .Close();

        var claims = MessageClaims.For(events, Fetches(events)[2].Sequence);

        Assert.Equal(new Claim<ulong>(5, Fetches(events)[1].Sequence), claims.Rfc822Size);
        Assert.Equal(Fetches(events)[3].Sequence, claims.Structure?.Sequence);
        Assert.Equal(5UL, claims.Structure?.Value.Size);
    }

    [Fact]
    public void AClaimByMessageNumber_IsNotTakenAcrossAnExpunge()
    {
        // RFC 3501 §7.4.1: after "* 1 EXPUNGE" message 2 is message 1; the old message 1's size is not the new one's.
        using var session = new ScriptedSession();
        var events = session
            .Server("* OK ready\r\n").Client("a1 SELECT INBOX\r\n").Server("* 2 EXISTS\r\na1 OK [READ-WRITE] done\r\n")
            .Client("a2 FETCH 1 (RFC822.SIZE)\r\n").Server("* 1 FETCH (RFC822.SIZE 100)\r\na2 OK done\r\n")
            .Client("a3 NOOP\r\n").Server("* 1 EXPUNGE\r\na3 OK done\r\n")
            .Client("a4 FETCH 1 (BODY[])\r\n").Server("* 1 FETCH (BODY[] {5}\r\nHello)\r\na4 OK done\r\n")
            .Close();

        Assert.Equal(MessageClaims.None, MessageClaims.For(events, Fetches(events)[1].Sequence));
    }

    private static List<SessionEvent> Fetches(IReadOnlyList<SessionEvent> events) =>
        [.. events.Where(e => e is FrameParsed { Frame: ResponseFrame { Data: FetchData } })];
}
