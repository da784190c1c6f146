using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>A command sent and not yet completed: what the checks need of it, not the frame (which may be large).</summary>
/// <param name="WellFormed">The parser knows the command (it has typed arguments) and found nothing wrong with it.</param>
internal sealed record OutstandingCommand(string Tag, string Name, CommandArgs? Args, bool WellFormed, long Sequence, TimeSpan SentAt);

/// <summary>
/// What every check needs to know of the session so far: the protocol state and capabilities (as the parser's
/// state frames say them), TLS per leg, the commands in progress and the mailbox the server's data is about.
/// The analyzer updates it after the checks have seen an event, so each check judges an event against what
/// came before it.
/// </summary>
internal sealed class AnalysisState
{
    // A hostile client can pipeline without end; the parser forgets beyond its own limit too.
    private const int MaxOutstanding = 10_000;

    private readonly Dictionary<string, OutstandingCommand> outstanding = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Capabilities { get; private set; } = [];

    /// <summary>The state the server last announced its capabilities in (they often grow at login, RFC 3501 §6.2.3).</summary>
    public ProtocolState CapabilitiesAnnouncedIn { get; private set; }

    /// <summary>The last capabilities announced before login, while the session was not authenticated.</summary>
    public IReadOnlyList<string> CapabilitiesBeforeLogin { get; private set; } = [];

    /// <summary>Whether the legs' TLS is known at all: a rawlog import has no handshakes to tell.</summary>
    public bool TlsKnown { get; private set; }
    public ProtocolState State { get; private set; } = ProtocolState.NotAuthenticated;
    public string? SelectedMailbox { get; private set; }
    public bool ClientLegTls { get; private set; }
    public bool UpstreamLegTls { get; private set; }
    public bool ByeSeen { get; private set; }

    /// <summary>The server the session reached (host:port) and the user it authenticated as, once known.</summary>
    public string? Upstream { get; private set; }
    public string? User { get; private set; }

    /// <summary>Bumped when message numbers change meaning: a new SELECT, an EXPUNGE, a VANISHED (RFC 3501 §2.3.1.2).</summary>
    public long Numbering { get; private set; }

    public IReadOnlyCollection<OutstandingCommand> Outstanding => outstanding.Values;

    public OutstandingCommand? Command(string tag) => outstanding.GetValueOrDefault(tag);

    /// <summary>The command the last tagged response completed: its <see cref="CommandCompleted"/> comes after that response.</summary>
    public OutstandingCommand? LastCompleted { get; private set; }

    public bool Has(string capability) => Capabilities.Contains(capability, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Capabilities are known once the server announced them (CAPABILITY, or a [CAPABILITY] code) in this state or
    /// an earlier one after login: before login a server may announce fewer than it offers after it.
    /// </summary>
    public bool CapabilitiesKnown =>
        Capabilities.Count > 0 && (State == ProtocolState.NotAuthenticated || CapabilitiesAnnouncedIn != ProtocolState.NotAuthenticated);

    /// <summary>
    /// The mailbox untagged data is about: the one a SELECT or EXAMINE in progress opens (its EXISTS and
    /// UIDVALIDITY come before the tagged OK), else the one selected.
    /// </summary>
    public string? Mailbox => selecting?.Mailbox ?? SelectedMailbox;

    // The SELECT or EXAMINE in progress: asked of every FETCH, so kept rather than searched for.
    private (string Tag, string Mailbox)? selecting;

    public void Update(SessionEvent e)
    {
        switch (e)
        {
            case SessionOpened opened:
                TlsKnown = opened.ClientTls is not null && opened.UpstreamTls is not null;
                Upstream = opened.Upstream;
                break;
            case TlsHandshake { Succeeded: true, Leg: TlsLeg.Client }:
                ClientLegTls = true;
                break;
            case TlsHandshake { Succeeded: true, Leg: TlsLeg.Upstream }:
                UpstreamLegTls = true;
                break;
            case FrameParsed { Frame: CommandFrame command }:
                if (command.Args is SelectArgs select)
                {
                    Numbering++;
                    selecting = (command.Tag, select.Mailbox);
                }
                if (outstanding.Count < MaxOutstanding || outstanding.ContainsKey(command.Tag))
                    outstanding[command.Tag] = new OutstandingCommand(command.Tag, command.Name, command.Args,
                        command.Diagnostics is null && command.Args is not null, e.Sequence, e.Elapsed);
                break;
            case FrameParsed { Frame: ResponseFrame { ResponseKind: ResponseKind.Tagged, Tag: { } tag } }:
                if (outstanding.Remove(tag, out var completed)) LastCompleted = completed;
                if (selecting?.Tag == tag) selecting = null;
                break;
            case FrameParsed { Frame: ResponseFrame { ResponseKind: ResponseKind.Untagged, Status: ResponseStatus.Bye } }:
                ByeSeen = true;
                break;
            case FrameParsed { Frame: ResponseFrame { Name: "EXPUNGE" or "VANISHED" } }:
                Numbering++;
                break;
            case FrameParsed { Frame: StateChangeFrame state }:
                State = state.State;
                SelectedMailbox = state.Mailbox;
                User = state.User ?? User;
                if (!Capabilities.SequenceEqual(state.Capabilities, StringComparer.OrdinalIgnoreCase))
                {
                    Capabilities = state.Capabilities;
                    CapabilitiesAnnouncedIn = state.State;
                    if (state.State == ProtocolState.NotAuthenticated && Capabilities.Count > 0) CapabilitiesBeforeLogin = Capabilities;
                }
                break;
        }
    }
}
