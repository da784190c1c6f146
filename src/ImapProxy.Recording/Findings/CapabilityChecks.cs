using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Syntax;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>Commands against the capabilities the server announced (RFC 3501 §6.1.1), and credentials against TLS.</summary>
internal sealed class CapabilityChecks : ISessionCheck
{
    // Capabilities that only make sense before login (RFC 3501 §6.2, RFC 4959): their going away at login is normal.
    private static readonly string[] PreLoginOnly = ["STARTTLS", "LOGINDISABLED", "SASL-IR", "LOGIN-REFERRALS"];

    // IMAP4rev2 (RFC 9051 §6.1.1) includes these extensions: a rev2 server need not list them.
    private static readonly string[] InRev2 =
        ["NAMESPACE", "UNSELECT", "UIDPLUS", "ESEARCH", "ENABLE", "IDLE", "SASL-IR", "LIST-EXTENDED", "LIST-STATUS", "MOVE", "LITERAL-", "BINARY", "SPECIAL-USE"];

    private bool lossReported;

    public void Observe(SessionEvent e, AnalysisState state, FindingList found)
    {
        switch (e)
        {
            case FrameParsed { Frame: CommandFrame command }:
                Command(command, e.Sequence, state, found);
                break;
            case FrameParsed { Frame: StateChangeFrame { State: ProtocolState.Authenticated or ProtocolState.Selected } after }
                when !lossReported && state.CapabilitiesBeforeLogin.Count > 0 && after.Capabilities.Count > 0
                     && !after.Capabilities.SequenceEqual(state.Capabilities, StringComparer.OrdinalIgnoreCase):
                lossReported = true;
                var lost = state.CapabilitiesBeforeLogin
                    .Where(c => !PreLoginOnly.Contains(c, StringComparer.OrdinalIgnoreCase) && !c.StartsWith("AUTH=", StringComparison.OrdinalIgnoreCase))
                    .Where(c => !after.Capabilities.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
                if (lost.Count > 0)
                    found.Add(FindingRules.CapabilitiesLost.Report($"{string.Join(' ', lost)} announced before login, not after", e.Sequence));
                break;
        }
    }

    private static void Command(CommandFrame command, long sequence, AnalysisState state, FindingList found)
    {
        if (command.Args is LoginArgs && state.Has("LOGINDISABLED"))
            found.Add(FindingRules.LoginWhileDisabled.Report($"{command.Tag} LOGIN", sequence));
        if (IsPlaintextCredential(command) && state.TlsKnown && (!state.ClientLegTls || !state.UpstreamLegTls))
        {
            var legs = (state.ClientLegTls, state.UpstreamLegTls) switch
            {
                (false, false) => "client → proxy and proxy → server",
                (false, true) => "client → proxy",
                _ => "proxy → server",
            };
            found.Add(FindingRules.PlaintextLogin.Report($"{command.Tag} {command.Name} in clear on {legs}", sequence));
        }
        if (!state.CapabilitiesKnown) return;
        List<string>? missing = null;
        foreach (var capability in Required(command))
        {
            if (!Announced(state, capability) && missing?.Contains(capability) != true) (missing ??= []).Add(capability);
        }
        if (missing is not null)
            found.Add(FindingRules.CommandWithoutCapability.Report(
                $"{command.Tag} {command.Name} needs {string.Join(", ", missing)}, which the server did not announce", sequence));
    }

    private static bool Announced(AnalysisState state, string capability) =>
        state.Has(capability) || state.Has("IMAP4rev2") && InRev2.Contains(capability, StringComparer.OrdinalIgnoreCase);

    /// <summary>LOGIN, or a SASL mechanism that carries the password itself (RFC 4616 PLAIN, the LOGIN mechanism).</summary>
    private static bool IsPlaintextCredential(CommandFrame command) => command.Args switch
    {
        LoginArgs => true,
        AuthenticateArgs { Mechanism: var m } => m.Equals("PLAIN", StringComparison.OrdinalIgnoreCase) || m.Equals("LOGIN", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>The capabilities a command and its arguments need (each extension's RFC says the client must not use it unannounced).</summary>
    private static IEnumerable<string> Required(CommandFrame command)
    {
        var uid = command.Name.StartsWith("UID ", StringComparison.OrdinalIgnoreCase);
        var name = (uid ? command.Name[4..] : command.Name).ToUpperInvariant();
        switch (name)
        {
            case "MOVE": yield return "MOVE"; break;                                   // RFC 6851 §3
            case "EXPUNGE" when uid: yield return "UIDPLUS"; break;                    // RFC 4315 §2.1
            case "ENABLE": yield return "ENABLE"; break;                               // RFC 5161 §3.1
            case "IDLE": yield return "IDLE"; break;                                   // RFC 2177 §3
            case "NAMESPACE": yield return "NAMESPACE"; break;                         // RFC 2342 §5
            case "ID": yield return "ID"; break;                                       // RFC 2971 §3.1
            case "UNSELECT": yield return "UNSELECT"; break;                           // RFC 3691 §2
            case "GETQUOTA" or "GETQUOTAROOT" or "SETQUOTA": yield return "QUOTA"; break; // RFC 9208 §3
            case "SORT": yield return "SORT"; break;                                   // RFC 5256 §3
            case "COMPRESS" when command.Args is CompressArgs c: yield return $"COMPRESS={c.Mechanism.ToUpperInvariant()}"; break; // RFC 4978 §3
        }
        switch (command.Args)
        {
            case SelectArgs { Parameters: var p }:
                if (Mentions(p, "CONDSTORE")) yield return "CONDSTORE";                // RFC 7162 §3.1.8
                if (Mentions(p, "QRESYNC")) yield return "QRESYNC";                    // RFC 7162 §3.2.5
                break;
            case FetchArgs { Modifiers: var m }:
                if (Mentions(m, "CHANGEDSINCE")) yield return "CONDSTORE";             // RFC 7162 §3.1.4
                if (Mentions(m, "VANISHED")) yield return "QRESYNC";                   // RFC 7162 §3.2.6
                break;
            case StoreArgs { Modifiers: var m } when Mentions(m, "UNCHANGEDSINCE"):
                yield return "CONDSTORE";                                              // RFC 7162 §3.1.3
                break;
            case SearchArgs { ReturnOptions: not null }:
                yield return "ESEARCH";                                                // RFC 4731 §3
                break;
            case ListArgs list:
                var options = (list.SelectOptions ?? []).Concat(list.ReturnOptions ?? []).Select(o => o.ToUpperInvariant()).ToList();
                if (options.Contains("SPECIAL-USE")) yield return "SPECIAL-USE";      // RFC 6154 §5
                if (list.ReturnOptions?.Any(o => o.Equals("STATUS", StringComparison.OrdinalIgnoreCase)) == true) yield return "LIST-STATUS"; // RFC 5819 §2
                if (options.Any(o => o is not "SPECIAL-USE" and not "STATUS")) yield return "LIST-EXTENDED"; // RFC 5258 §3
                break;
            case AppendArgs { Messages.Count: > 1 }:
                yield return "MULTIAPPEND";                                            // RFC 3502 §3
                break;
            case EnableArgs enable:
                // RFC 5161 §3.1: the client must only enable extensions the server announced.
                foreach (var capability in enable.Capabilities) yield return capability.ToUpperInvariant();
                break;
        }
    }

    private static bool Mentions(IReadOnlyList<ImapValue>? values, string word) =>
        values?.Any(v => v.IsAtom(word) || v is ImapList list && Mentions(list.Items, word)) == true;
}
