namespace ImapProxy.Recording.Findings;

/// <summary>
/// What the sessions of one proxy were told of each mailbox, across sessions: the last UIDVALIDITY per server, user
/// and mailbox (RFC 3501 §2.3.1.1: it changes only when the mailbox's UIDs start over). It lives as long as the proxy
/// and is shared by its sessions; a recording without one (lint, imports) judges its session alone.
/// </summary>
public sealed class MailboxMemory
{
    /// <summary>Mailboxes remembered at most: about 200 bytes each, so 20 MB however many users a proxy sees.</summary>
    public const int MaxMailboxes = 100_000;

    private readonly object gate = new();
    private readonly Dictionary<(string Server, string User, string Mailbox), Told> told = [];

    /// <summary>The UIDVALIDITY a session was given and when.</summary>
    public readonly record struct Told(ulong UidValidity, long SessionId, DateTimeOffset Time);

    /// <summary>Records what a session was told; returns what an earlier session was told, when it was different.</summary>
    public Told? Remember(string server, string user, string mailbox, Told now)
    {
        var key = (server, user, mailbox);
        lock (gate)
        {
            var before = told.GetValueOrDefault(key);
            if (told.ContainsKey(key) || told.Count < MaxMailboxes) told[key] = now;
            return before != default && before.SessionId != now.SessionId && before.UidValidity != now.UidValidity ? before : null;
        }
    }
}
