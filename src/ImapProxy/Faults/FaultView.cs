using ImapProxy.Capture.Faults;

namespace ImapProxy.Faults;

/// <summary>A rule in force as the API and the dashboard show it: its number, its text, how often it fired.</summary>
public sealed record FaultView(int Id, string Rule, long Fired, int? Times, double? Probability)
{
    public static FaultView From(ActiveFault fault) =>
        new(fault.Id, fault.Rule.Text, fault.Fired, fault.Rule.Times, fault.Rule.Probability);
}

/// <summary>The body of POST /api/faults.</summary>
public sealed record FaultRequest(string? Rule);
