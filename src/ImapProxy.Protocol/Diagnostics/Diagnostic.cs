namespace ImapProxy.Protocol.Diagnostics;

public enum Severity
{
    /// <summary>Legal but unusual, worth knowing when debugging.</summary>
    Info,

    /// <summary>A deviation from the RFCs that the parser tolerated.</summary>
    Warning,

    /// <summary>Input the parser could not make sense of.</summary>
    Error,
}

/// <summary>A deviation found on the wire: which rule, where (byte offset in its direction), and the RFC that says so.</summary>
public sealed record Diagnostic(string Rule, Severity Severity, long Offset, string Message, string? Rfc);
