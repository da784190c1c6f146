using ImapProxy.Protocol;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>IDLE (RFC 2177) as both sides should hold it: data after the continuation, renewal within 29 minutes,
/// and no server ending it before the 30-minute autologout minimum of RFC 3501 §5.4.</summary>
internal sealed class IdleChecks : ISessionCheck
{
    // RFC 2177 §3: clients should re-issue IDLE at least every 29 minutes; RFC 3501 §5.4: an autologout timer
    // must be at least 30 minutes.
    private static readonly TimeSpan RenewWithin = TimeSpan.FromMinutes(29);
    private static readonly TimeSpan AutologoutMinimum = TimeSpan.FromMinutes(30);

    private Idle? current;

    public void Observe(SessionEvent e, AnalysisState state, FindingList found)
    {
        if (e is not FrameParsed { Frame: var frame }) return;
        switch (frame)
        {
            case CommandFrame { Name: var name, Tag: var tag } when name.Equals("IDLE", StringComparison.OrdinalIgnoreCase):
                current = new Idle(tag, e.Sequence, e.Elapsed);
                break;
            case ResponseFrame { ResponseKind: ResponseKind.Continuation } when current is { Continued: false }:
                current.Continued = true;
                break;
            case ResponseFrame { ResponseKind: ResponseKind.Untagged } when current is { Continued: false, DataReported: false }:
                current.DataReported = true;
                found.Add(FindingRules.IdleDataBeforeContinuation.Report(
                    $"'{Describe((ResponseFrame)frame)}' came after {current.Tag} IDLE and before '+'", current.Sequence, e.Sequence));
                break;
            case ClientLineFrame { LineKind: ClientLineKind.IdleDone } when current is { DoneAt: null }:
                current.DoneAt = e.Elapsed;
                if (e.Elapsed - current.Started > RenewWithin)
                    found.Add(FindingRules.IdleHeldTooLong.Report($"{current.Tag} IDLE lasted {Minutes(e.Elapsed - current.Started)}", current.Sequence, e.Sequence));
                break;
            case ResponseFrame { ResponseKind: ResponseKind.Tagged, Tag: var tag } when current is not null && tag == current.Tag:
                // A refusal (NO/BAD before any '+') is not an IDLE that ended.
                if (current is { DoneAt: null, Continued: true } && e.Elapsed - current.Started < AutologoutMinimum)
                    found.Add(FindingRules.ServerEndedIdleEarly.Report(
                        $"the server completed {current.Tag} IDLE after {Minutes(e.Elapsed - current.Started)} without the client's DONE", current.Sequence, e.Sequence));
                current = null;
                break;
        }
    }

    public void Close(SessionClosed closed, AnalysisState state, FindingList found)
    {
        if (current is not { DoneAt: null, Continued: true } idle) return;
        var held = closed.Elapsed - idle.Started;
        if (closed.Reason is CloseReason.ServerClosed or CloseReason.ServerReset && held < AutologoutMinimum)
            found.Add(FindingRules.ServerEndedIdleEarly.Report($"the server closed the connection {Minutes(held)} into {idle.Tag} IDLE", idle.Sequence));
        else if (held > RenewWithin)
            found.Add(FindingRules.IdleHeldTooLong.Report($"{idle.Tag} IDLE lasted {Minutes(held)} until the session ended", idle.Sequence));
    }

    private static string Describe(ResponseFrame response) =>
        string.Join(' ', new[] { "*", response.Data is Protocol.Responses.NumberData n ? n.Number.ToString() : null, response.Name ?? response.Status?.ToString().ToUpperInvariant() }
            .Where(w => w is not null));

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.#} s";

    private sealed class Idle(string tag, long sequence, TimeSpan started)
    {
        public string Tag { get; } = tag;
        public long Sequence { get; } = sequence;
        public TimeSpan Started { get; } = started;
        public bool Continued { get; set; }
        public bool DataReported { get; set; }
        public TimeSpan? DoneAt { get; set; }
    }
}
