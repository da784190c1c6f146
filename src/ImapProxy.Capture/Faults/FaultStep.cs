using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Faults;

/// <summary>What the relay must do, in order, to carry out the faults: the applier decides, the relay only performs.</summary>
public abstract record FaultStep;

/// <summary>Write these bytes to the client; at most <see cref="BytesPerSecond"/> fast when set.</summary>
public sealed record SendStep(byte[] Bytes, long? BytesPerSecond = null) : FaultStep;

/// <summary>Hold everything behind this point for a while.</summary>
public sealed record WaitStep(TimeSpan Duration) : FaultStep;

/// <summary>Cut the connection now.</summary>
public sealed record CloseStep(string Detail) : FaultStep;

/// <summary>Publish this proxy action (what was altered, with the original and altered bytes) in its place in the session.</summary>
public sealed record RecordStep(ProxyAction Action) : FaultStep;
