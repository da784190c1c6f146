using System.Collections.ObjectModel;

namespace ImapProxy.Protocol.Session;

/// <summary>What the parser knows of the session across both directions (RFC 3501 §3 states, capabilities).</summary>
internal sealed class SessionModel(CapabilityNames names)
{
    // Never changed once set (a new list replaces it), so snapshots share it; read-only, so that a consumer casting it
    // back cannot change every snapshot's list.
    private ReadOnlyCollection<string> capabilities = ReadOnlyCollection<string>.Empty;
    private ProtocolState state = ProtocolState.NotAuthenticated;
    private string? user;
    private string? mailbox;
    private bool readOnly;
    private bool idle;
    private bool tls;
    private bool compressed;

    /// <summary>Bumped by every change, so "did anything change?" is one comparison after each response.</summary>
    public long Version { get; private set; }

    private void Set<T>(ref T field, T value)
    {
        if (EqualityComparer<T>.Default.Equals(field, value)) return;
        field = value;
        Version++;
    }

    public ProtocolState State { get => state; set => Set(ref state, value); }
    public string? User { get => user; set => Set(ref user, value); }
    public string? Mailbox { get => mailbox; set => Set(ref mailbox, value); }
    public bool ReadOnly { get => readOnly; set => Set(ref readOnly, value); }
    public bool Idle { get => idle; set => Set(ref idle, value); }
    public bool Tls { get => tls; set => Set(ref tls, value); }
    public bool Compressed { get => compressed; set => Set(ref compressed, value); }
    public bool GreetingSeen { get; set; }

    public IReadOnlyList<string> Capabilities => capabilities;

    // Asked at non-synchronizing literals only (LITERAL+, LITERAL-): a look through some forty names.
    public bool Has(string capability) => capabilities.Contains(capability, StringComparer.OrdinalIgnoreCase);

    /// <summary>Replaces the capabilities; announcing the same list again is no change.</summary>
    public void SetCapabilities(IEnumerable<string> announced)
    {
        var announcedNames = names.Normalize(announced);
        if (announcedNames.SequenceEqual(capabilities, StringComparer.OrdinalIgnoreCase)) return;
        capabilities = announcedNames.AsReadOnly();
        Version++;
    }

    /// <summary>RFC 3501 §6.2.1: after STARTTLS the client must discard what it knew of the capabilities.</summary>
    public void ForgetCapabilities() => SetCapabilities([]);

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
        Capabilities = capabilities,
    };
}
