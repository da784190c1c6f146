namespace ImapProxy.Replay;

/// <summary>A replay that cannot start or go on, for a reason the user can act on (printed as one line).</summary>
public sealed class ReplayException(string message) : Exception(message);
