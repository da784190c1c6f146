namespace ImapProxy.Capture.Faults;

/// <summary>What a fault rule does to the traffic it selects. Each kind is a record of its own; nothing travels as text.</summary>
public abstract record FaultAction;

/// <summary>Hold the selected command on its way to the server, or the selected response on its way to the client.</summary>
public sealed record DelayFault(TimeSpan Duration) : FaultAction;

/// <summary>Cut the connection before the answer (<see cref="AfterBytes"/> null) or after that many of its bytes.</summary>
public sealed record CloseFault(long? AfterBytes) : FaultAction;

public enum FaultStatus
{
    No,
    Bad,
}

/// <summary>Replace the status of a tagged completion (RFC 3501 §7.1); the server still ran the command.</summary>
public sealed record StatusFault(FaultStatus Status, string? Text) : FaultAction;

public enum CapabilityEdit
{
    Drop,
    Add,
}

/// <summary>Edit CAPABILITY answers and [CAPABILITY …] response codes (RFC 3501 §7.2.1, §7.1).</summary>
public sealed record CapabilityFault(CapabilityEdit Edit, string Name) : FaultAction;

/// <summary>Falsify RFC822.SIZE in FETCH answers (RFC 3501 §7.4.2).</summary>
public sealed record Rfc822SizeFault(SizeChange Change) : FaultAction;

/// <summary>Cut each literal of the answer to at most <see cref="Length"/> bytes, its {n} made to match.</summary>
public sealed record LiteralTruncateFault(long Length) : FaultAction;

/// <summary>Replace each byte of the answer's literals by its complement (same length, so the framing holds).</summary>
public sealed record LiteralCorruptFault : FaultAction;

/// <summary>Send an extra line to the client before the selected response (RFC 3501 §7: any untagged response, any time).</summary>
public sealed record InjectFault(string Line) : FaultAction;

/// <summary>Send the selected responses to the client at most this fast.</summary>
public sealed record BandwidthFault(long BytesPerSecond) : FaultAction;

public enum SizeChangeKind
{
    Add,
    Subtract,
    Set,
}

/// <summary>+N, -N or =N applied to a number read from the wire (never below zero).</summary>
public readonly record struct SizeChange(SizeChangeKind Kind, long Amount)
{
    public long Apply(long value) => Kind switch
    {
        SizeChangeKind.Add => value > long.MaxValue - Amount ? long.MaxValue : value + Amount,
        SizeChangeKind.Subtract => Math.Max(0, value - Amount),
        _ => Amount,
    };
}
