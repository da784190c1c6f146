using ImapProxy.Protocol;

namespace ImapProxy.Capture.Faults;

/// <summary>What an action makes of one response: nothing it applies to, the response as it is (an action that acts
/// around it: delay, close, bandwidth, inject), or the response edited.</summary>
internal abstract record ResponseAlteration
{
    public sealed record NotApplicable : ResponseAlteration;
    public sealed record Unchanged : ResponseAlteration;
    public sealed record Edited(ResponsePieces Pieces) : ResponseAlteration;

    private static readonly NotApplicable None = new();
    private static readonly Unchanged Same = new();

    /// <param name="triggers">This response may trigger actions that act once per answer (inject before the tagged completion).</param>
    public static ResponseAlteration Of(FaultAction action, ImapFrame frame, ResponsePieces? pieces, bool triggers)
    {
        if (action is DelayFault or CloseFault or BandwidthFault) return Same;
        if (action is InjectFault) return triggers ? Same : None;
        if (frame is not ResponseFrame response || pieces is null) return None;
        // The relay follows the server's STARTTLS and COMPRESS answers (RFC 3501 §6.2.1, RFC 4978 §3): a client told
        // otherwise would speak another transport than the proxy.
        if (action is StatusFault && response.Completes?.Name is "STARTTLS" or "COMPRESS") return None;
        var edited = action switch
        {
            StatusFault status => ResponseEdits.Status(pieces, response, status),
            CapabilityFault capability => ResponseEdits.Capability(pieces, capability),
            Rfc822SizeFault size => ResponseEdits.Rfc822Size(pieces, size),
            LiteralTruncateFault truncate => ResponseEdits.TruncateLiterals(pieces, truncate),
            LiteralCorruptFault => ResponseEdits.CorruptLiterals(pieces),
            _ => null,
        };
        return edited is null ? None : new Edited(edited);
    }

    public static string Describe(FaultAction action) => action switch
    {
        CapabilityFault { Edit: CapabilityEdit.Drop } c => $"removed the capability {c.Name}",
        CapabilityFault c => $"added the capability {c.Name}",
        Rfc822SizeFault => "changed RFC822.SIZE",
        LiteralTruncateFault t => $"cut literals to {t.Length} bytes",
        LiteralCorruptFault => "corrupted literal bytes (each byte complemented)",
        _ => action.GetType().Name,
    };
}
