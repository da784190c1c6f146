using System.Text;
using System.Text.RegularExpressions;

namespace ImapProxy.Replay.Captured;

/// <summary>
/// Which captured commands change the server's mailboxes when replayed, so a user is told before a replay leaves
/// a message behind (a replayed APPEND appends again) and can replay read-only instead.
/// </summary>
public static partial class MailboxChanges
{
    // RFC 3501 §6.3-6.4, RFC 4315 (UID EXPUNGE), RFC 6851 (MOVE), RFC 5464 (SETMETADATA), RFC 4314 (ACL), RFC 2087 (QUOTA).
    private static readonly HashSet<string> Changing = new(
    [
        "APPEND", "STORE", "UID STORE", "EXPUNGE", "UID EXPUNGE", "COPY", "UID COPY", "MOVE", "UID MOVE",
        "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "SETMETADATA", "SETACL", "DELETEACL", "SETQUOTA",
    ], StringComparer.OrdinalIgnoreCase);

    // A FETCH of BODY[...] (not BODY.PEEK), RFC822 or RFC822.TEXT sets \Seen in a read-write mailbox (RFC 3501 §6.4.5).
    [GeneratedRegex(@"(?<![.\w])(?:BODY\[|RFC822(?:\.TEXT)?(?![.\w]))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SetsSeen();

    /// <summary>Whether replaying this command changes the server (a FETCH that sets \Seen included).</summary>
    public static bool Changes(CapturedExchange exchange) => Writes(exchange) || FetchSetsSeen(exchange);

    /// <summary>Commands that write whatever the mailbox was opened with: a read-only replay skips them.</summary>
    public static bool Writes(CapturedExchange exchange) => Changing.Contains(exchange.Name);

    /// <summary>A FETCH that sets \Seen, but only in a mailbox opened read-write (a read-only replay EXAMINEs it).</summary>
    private static bool FetchSetsSeen(CapturedExchange exchange) =>
        exchange.Name is "FETCH" or "UID FETCH" && SetsSeen().IsMatch(Encoding.ASCII.GetString(exchange.Command));

    /// <summary>The changing commands in words ("APPEND ×1 (a4), UID STORE ×2 (a6, a9)"), or null when there are none.</summary>
    public static string? Describe(CapturedSession session)
    {
        var changing = session.Exchanges.Where(Changes).GroupBy(x => x.Name.ToUpperInvariant()).ToList();
        if (changing.Count == 0) return null;
        return string.Join(", ", changing.Select(g =>
            $"{g.Key} ×{g.Count()} ({string.Join(", ", g.Take(5).Select(x => x.Tag))}{(g.Count() > 5 ? ", …" : "")})"));
    }
}
