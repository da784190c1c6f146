using ImapProxy.Replay.Captured;
using ImapProxy.Replay.Client;
using ImapProxy.Storage;
using ImapProxy.Storage.Import;

namespace ImapProxy.Replay;

/// <summary>Whether a stored session can be replayed, and if not, why, in words (replay is guarded: it refuses rather than sends something other than what was captured).</summary>
/// <param name="ClientReplay">Null when the client side can be replayed against a server.</param>
/// <param name="ServerReplay">Null when the server side can be served to a client.</param>
public sealed record ReplayVerdict(CapturedSession? Session, string? ClientReplay, string? ServerReplay)
{
    /// <summary>The commands a client replay would change the server's mailboxes with, in words; null when none would.</summary>
    public string? MailboxChanges => Session is null ? null : Captured.MailboxChanges.Describe(Session);
}

public static class ReplayCheck
{
    /// <summary>The most bytes one direction may hold for a replay.</summary>
    public const long MaxBytes = 1L << 30;

    public static ReplayVerdict Check(EventStore store, long id)
    {
        if (store.GetSession(id) is not { } row) return Both($"there is no session {id}");
        if (row.EndedAt is null) return Both($"session {id} is still live; replay it once it has ended");
        // A replay holds the session in memory: both directions, sliced per command.
        if (Math.Max(row.ClientBytes ?? 0, row.ServerBytes ?? 0) > MaxBytes)
            return Both($"session {id} is too large to replay ({Math.Max(row.ClientBytes ?? 0, row.ServerBytes ?? 0):N0} bytes one way; at most {MaxBytes:N0})");
        if (row.CaptureIncomplete)
            return Both($"the capture of session {id} is incomplete (events were dropped while the store fell behind), so what was said is not all known");
        var (session, problem) = CapturedSessionLoader.Load(store, row);
        if (session is null) return Both(problem!);
        if (session.Exchanges.Count == 0) return new(session, "the session has no client commands to send", ServerReplayProblem(session, row));
        return new(session, ClientReplayProblem(session), ServerReplayProblem(session, row));
    }

    private static ReplayVerdict Both(string reason) => new(null, reason, reason);

    private static string? ClientReplayProblem(CapturedSession session) =>
        session.Exchanges.FirstOrDefault(x => x.Name == "AUTHENTICATE" && !Credentials.CanRebuild(x)) is { } x
            ? $"command {x.Tag} is AUTHENTICATE {(Credentials.Mechanism(x) is { Length: > 0 } m ? m : "(unknown)")}: its responses were " +
              "redacted at capture and only PLAIN and LOGIN can be rebuilt from --user and a password (tokens such as XOAUTH2's cannot be replayed)"
            : null;

    private static string? ServerReplayProblem(CapturedSession session, SessionRow row) =>
        session.Greeting.Length > 0 ? null
        : RawlogImport.Imported(row) ? "the capture has no server greeting (a Dovecot rawlog starts after login), so a client would have nothing to start from"
        : $"the server sent no greeting before session {row.Id} ended ({row.CloseReason}: {row.CloseDetail}), so a client would have nothing to start from";
}
