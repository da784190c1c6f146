namespace ImapProxy.Protocol.Session;

/// <summary>What the parser knows of the session across both directions (RFC 3501 §3 states, capabilities).</summary>
internal sealed class SessionModel
{
    private readonly SortedSet<string> capabilities = new(StringComparer.OrdinalIgnoreCase);

    public ProtocolState State { get; set; } = ProtocolState.NotAuthenticated;
    public string? User { get; set; }
    public string? Mailbox { get; set; }
    public bool ReadOnly { get; set; }
    public bool Idle { get; set; }
    public bool Tls { get; set; }
    public bool Compressed { get; set; }
    public bool GreetingSeen { get; set; }

    public IReadOnlyCollection<string> Capabilities => capabilities;

    public bool Has(string capability) => capabilities.Contains(capability);

    public void SetCapabilities(IEnumerable<string> announced)
    {
        capabilities.Clear();
        foreach (var c in announced) capabilities.Add(c);
    }

    /// <summary>RFC 3501 §6.2.1: after STARTTLS the client must discard what it knew of the capabilities.</summary>
    public void ForgetCapabilities() => capabilities.Clear();

    public StateChangeFrame Snapshot(Direction direction, long offset) => new()
    {
        Direction = direction,
        Offset = offset,
        Length = 0,
        State = State,
        User = User,
        Mailbox = Mailbox,
        ReadOnly = ReadOnly,
        Idle = Idle,
        Tls = Tls,
        Compressed = Compressed,
        Capabilities = capabilities.ToArray(),
    };

    /// <summary>True when the visible state differs from <paramref name="previous"/>.</summary>
    public bool DiffersFrom(StateChangeFrame? previous) =>
        previous is null || previous.State != State || previous.User != User || previous.Mailbox != Mailbox
        || previous.ReadOnly != ReadOnly || previous.Idle != Idle || previous.Tls != Tls
        || previous.Compressed != Compressed || !previous.Capabilities.SequenceEqual(capabilities, StringComparer.OrdinalIgnoreCase);
}
