using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Responses;

namespace ImapProxy.Protocol.Session;

/// <summary>How the server's responses move the session model: RFC 3501 §3 states, the selected mailbox, capabilities.</summary>
internal static class StateTransitions
{
    /// <summary>A tagged response completed <paramref name="command"/>.</summary>
    /// <param name="saslUser">The user read from the SASL exchange, for an AUTHENTICATE whose arguments lack it.</param>
    public static void Completed(SessionModel model, PendingCommand command, ResponseFrame response, string? saslUser)
    {
        if (response.Code?.Name == "CAPABILITY" && response.Code.Items is { } caps) model.SetCapabilities(caps);
        var ok = response.Status == ResponseStatus.Ok;
        switch (command.Name)
        {
            case "LOGIN" or "AUTHENTICATE" when ok:
                model.State = ProtocolState.Authenticated;
                model.User = command.Args switch
                {
                    LoginArgs login => login.User,
                    AuthenticateArgs { User: { } user } => user,
                    _ => saslUser,
                };
                break;
            case "SELECT" or "EXAMINE":
                if (ok && command.Args is SelectArgs select)
                {
                    model.State = ProtocolState.Selected;
                    model.Mailbox = select.Mailbox;
                    model.ReadOnly = response.Code?.Name switch
                    {
                        "READ-ONLY" => true,
                        "READ-WRITE" => false,
                        _ => select.ReadOnly,
                    };
                }
                else if (!ok && model.State == ProtocolState.Selected)
                {
                    // RFC 3501 §6.3.1: a failed SELECT leaves no mailbox selected.
                    model.State = ProtocolState.Authenticated;
                    model.Mailbox = null;
                }
                break;
            case "CLOSE" or "UNSELECT" when ok:
                model.State = ProtocolState.Authenticated;
                model.Mailbox = null;
                break;
            case "LOGOUT" when ok:
                model.State = ProtocolState.Logout;
                break;
            case "IDLE":
                model.Idle = false;
                break;
        }
    }

    /// <summary>An untagged response: BYE ends the session, PREAUTH starts it authenticated (RFC 3501 §7.1.4, §7.1.5).</summary>
    public static void Untagged(SessionModel model, ResponseFrame response)
    {
        if (response.Code?.Name == "CAPABILITY" && response.Code.Items is { } codeCaps) model.SetCapabilities(codeCaps);
        switch (response.Status)
        {
            case ResponseStatus.Bye:
                model.State = ProtocolState.Logout;
                return;
            case ResponseStatus.Preauth:
                model.State = ProtocolState.Authenticated;
                return;
        }
        if (response is { Name: "CAPABILITY", Data: CapabilityData data }) model.SetCapabilities(data.Capabilities);
    }
}
