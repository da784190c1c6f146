namespace ImapProxy.Capture.Faults;

/// <summary>
/// One rule: the frames its filter selects get its action. A selected command has its answer altered (or, for a
/// delay, is itself held); a selected response is altered itself.
/// </summary>
/// <param name="Text">The rule as the user wrote it.</param>
/// <param name="Times">Fires at most this many times in all (null: always).</param>
/// <param name="Probability">Fires on this share of the occasions, 0 to 1 (null: every one).</param>
public sealed record FaultRule(string Text, IFaultFilter Filter, FaultAction Action, int? Times = null, double? Probability = null);
