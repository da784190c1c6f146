namespace ImapProxy.Protocol;

/// <summary>Limits that keep one session's memory bounded whatever its peers send.</summary>
public sealed record ImapParserOptions
{
    /// <summary>Longest line (without literal bodies) the parser assembles; longer ones become malformed frames.</summary>
    public int MaxLineLength { get; init; } = 8 * 1024 * 1024;

    /// <summary>Literals up to this size are kept with their frame so their text can be parsed.</summary>
    public int MaxInlineLiteral { get; init; } = 64 * 1024;

    /// <summary>How deep parenthesised lists may nest (BODYSTRUCTURE of nested multiparts nests deepest).</summary>
    public int MaxNestingDepth { get; init; } = 100;

    /// <summary>Commands in progress the tag table tracks before forgetting the oldest.</summary>
    public int MaxPendingCommands { get; init; } = 10_000;

    /// <summary>Client bytes held while waiting for the server's answer to a command (literal, AUTHENTICATE, IDLE).</summary>
    public int MaxHeldClientBytes { get; init; } = 1024 * 1024;

    /// <summary>Replace secrets (passwords, SASL responses) in parsed output and raw bytes.</summary>
    public bool RedactSecrets { get; init; } = true;

    /// <summary>Which directions will be fed. With only one, the parser assumes the other side's answers
    /// (every continuation accepted) instead of waiting for them.</summary>
    public FedDirections Directions { get; init; } = FedDirections.Both;

    /// <summary>The recording starts after authentication (Dovecot's rawlog_dir begins after login): no greeting
    /// is expected, and the first tagged response may complete a LOGIN the recording never saw.</summary>
    public bool StartsAuthenticated { get; init; }

    /// <summary>Where sessions share their capability names: the process's pool, or a test's own.</summary>
    internal Session.CapabilityNames CapabilityNames { get; init; } = Session.CapabilityNames.Process;

    public static ImapParserOptions Default { get; } = new();
}

public enum FedDirections
{
    Both,
    ClientOnly,
    ServerOnly,
}
