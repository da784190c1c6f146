using System.Buffers;
using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Faults;

/// <summary>
/// The faults of one session, without sockets: fed the frames the session's parser finds (commands and responses of
/// the server's own stream) and the server's bytes, it returns the steps that give the client an altered stream.
/// Server bytes are held until the response they belong to is complete (a rule can only judge a whole response), so
/// the client receives whole responses; a response larger than <see cref="MaxHeld"/> passes unaltered as it comes.
/// After COMPRESS=DEFLATE the wire is compressed: bytes then pass unaltered (said once).
/// Thread-safe: the client pump reports commands while the server pump reports responses.
/// </summary>
public sealed class SessionFaults(FaultRuleSet rules, Func<FaultSession> session, Func<double> dice)
{
    /// <summary>Bytes of one response held to be judged whole; a larger one passes unaltered.</summary>
    public const int MaxHeld = 16 * 1024 * 1024;

    private const int MaxTrackedCommands = 10_000;

    private readonly Lock gate = new();
    private readonly Queue<ImapFrame> responses = new();
    private readonly Dictionary<long, PendingCommand> commands = [];
    private readonly List<FaultStep> commandSteps = [];
    private readonly ArrayBufferWriter<byte> held = new();
    private long heldStart;
    private bool compressed;

    // A response too large to hold is passing as it comes, until its end.
    private bool streaming;
    private bool compressionSaid;
    private long? closeBudget;
    private bool closing;

    /// <summary>A frame the session's parser found (called as it parses, before the bytes are relayed).</summary>
    public void OnFrame(ImapFrame frame)
    {
        lock (gate)
        {
            switch (frame)
            {
                case CommandFrame command:
                    OnCommand(command);
                    break;
                case ResponseFrame or MalformedFrame when frame.Direction == Direction.Server:
                    responses.Enqueue(frame);
                    break;
                case TransportChangeFrame { Transport: Transport.Deflate, Direction: Direction.Server }:
                    responses.Enqueue(frame);
                    break;
            }
        }
    }

    /// <summary>What to do before relaying the client bytes just parsed: holds and notes for delayed commands.</summary>
    public IReadOnlyList<FaultStep> TakeCommandSteps()
    {
        lock (gate)
        {
            if (commandSteps.Count == 0) return [];
            var steps = commandSteps.ToList();
            commandSteps.Clear();
            return steps;
        }
    }

    /// <summary>The server bytes just parsed: what to send the client instead, once the responses they end are judged.</summary>
    public IReadOnlyList<FaultStep> OnServerBytes(ReadOnlySpan<byte> bytes)
    {
        lock (gate)
        {
            var steps = new List<FaultStep>();
            if (compressed)
            {
                Send(steps, bytes.ToArray(), null);
                return steps;
            }
            held.Write(bytes);
            var heldEnd = heldStart + held.WrittenCount;
            var consumed = 0L;
            while (responses.TryPeek(out var frame) && frame.Offset + frame.Length <= heldEnd)
            {
                responses.Dequeue();
                if (frame is TransportChangeFrame)
                {
                    compressed = true;
                    break;
                }
                var start = frame.Offset - heldStart;
                var end = frame.Offset + frame.Length - heldStart;
                if (end <= consumed) continue;
                if (start > consumed) Send(steps, held.WrittenSpan[(int)consumed..(int)start].ToArray(), null);
                // Begun before the hold (a response too large to hold passed as it came): its rest passes unaltered too.
                if (start < consumed)
                {
                    Send(steps, held.WrittenSpan[(int)consumed..(int)end].ToArray(), null);
                    streaming = false;
                }
                else Judge(steps, frame, held.WrittenSpan[(int)start..(int)end]);
                consumed = end;
            }
            // What is held now is the start of one response: too large, or already passing, it goes on as it comes.
            if (compressed || streaming || held.WrittenCount - consumed > MaxHeld)
            {
                streaming = !compressed && held.WrittenCount > consumed;
                consumed = FlushHeld(steps, consumed);
            }
            if (compressed && !compressionSaid)
            {
                compressionSaid = true;
                steps.Add(Note("faults-off", "COMPRESS=DEFLATE is on: the rest of the session is relayed unaltered (faults apply to plaintext only)"));
            }
            Keep(consumed);
            return steps;
        }
    }

    /// <summary>
    /// Bytes of the server's stream that did not come from the server pump's chunks (the proxy's own answers, bytes
    /// after a STARTTLS OK): what is held goes out first, as it came before them; the stream then goes on after them.
    /// </summary>
    public IReadOnlyList<FaultStep> Skip(long count)
    {
        lock (gate)
        {
            var steps = new List<FaultStep>();
            Keep(FlushHeld(steps, 0));
            heldStart += count;
            return steps;
        }
    }

    // ---- commands ----

    private void OnCommand(CommandFrame command)
    {
        // Commands never completed (a client that pipelines without end) must not grow this without bound.
        if (commands.Count >= MaxTrackedCommands) commands.Clear();
        var pending = new PendingCommand();
        commands[command.Offset] = pending;
        var facts = session();
        foreach (var rule in rules.Current)
        {
            if (!rule.Rule.Filter.Selects(facts, command)) continue;
            pending.Selected.Add(rule.Id);
            // A selected command is held itself; its answer then comes that much later, as the client sees it.
            if (rule.Rule.Action is DelayFault delay && rule.TryFire(dice))
            {
                commandSteps.Add(Note(rule, $"held the command {command.Tag} {command.Name} for {delay.Duration.TotalMilliseconds:0} ms before relaying it", command.Offset));
                commandSteps.Add(new WaitStep(delay.Duration));
            }
        }
    }

    // ---- responses ----

    private void Judge(List<FaultStep> steps, ImapFrame frame, ReadOnlySpan<byte> original)
    {
        var answered = Answered(frame);
        var facts = session();
        var pieces = (ResponsePieces?)null;
        var before = new List<FaultStep>();
        long? rate = null;
        foreach (var rule in rules.Current)
        {
            var direct = rule.Rule.Filter.Selects(facts, frame);
            var command = answered.FirstOrDefault(c => c.Selected.Contains(rule.Id));
            if (!direct && command is null) continue;
            // A delay selected through its command held the command; a delay selected directly holds this response.
            if (rule.Rule.Action is DelayFault && command is not null) continue;
            pieces ??= frame is ResponseFrame ? ResponsePieces.Of(frame, original) : null;
            var altered = ResponseAlteration.Of(rule.Rule.Action, frame, pieces, command is null || frame is ResponseFrame { ResponseKind: ResponseKind.Tagged });
            if (altered is ResponseAlteration.NotApplicable || !Fires(rule, command)) continue;
            switch (rule.Rule.Action)
            {
                case DelayFault delay:
                    before.Add(Note(rule, $"held the response for {delay.Duration.TotalMilliseconds:0} ms", frame.Offset));
                    before.Add(new WaitStep(delay.Duration));
                    break;
                case CloseFault { AfterBytes: null }:
                    before.Add(Note(rule, "closed the connection before this response", frame.Offset, original));
                    before.Add(new CloseStep($"the proxy closed the connection (fault rule {rule.Id})"));
                    closing = true;
                    break;
                case CloseFault { AfterBytes: { } after } when closeBudget is null:
                    before.Add(Note(rule, $"closes the connection after {after} more bytes to the client", frame.Offset));
                    closeBudget = after;
                    break;
                case CloseFault:
                    break;
                case InjectFault inject:
                    var line = Encoding.Latin1.GetBytes(inject.Line + "\r\n");
                    before.Add(Note(rule, "sent a line the server never sent, before this response", frame.Offset, altered: line));
                    before.Add(new SendStep(line));
                    break;
                case BandwidthFault bandwidth:
                    before.Add(Note(rule, $"sent this response at {bandwidth.BytesPerSecond} bytes per second", frame.Offset));
                    rate = rate is { } r ? Math.Min(r, bandwidth.BytesPerSecond) : bandwidth.BytesPerSecond;
                    break;
                case StatusFault:
                    before.Add(Note(rule, "replaced the status of the tagged completion; the server did run the command", frame.Offset,
                        original, ((ResponseAlteration.Edited)altered).Pieces.ToBytes()));
                    pieces = ((ResponseAlteration.Edited)altered).Pieces;
                    break;
                default:
                    var edited = ((ResponseAlteration.Edited)altered).Pieces;
                    before.Add(Note(rule, ResponseAlteration.Describe(rule.Rule.Action), frame.Offset, pieces!.ToBytes(), edited.ToBytes()));
                    pieces = edited;
                    break;
            }
            if (closing) break;
        }
        steps.AddRange(before);
        if (closing) return;
        Send(steps, pieces?.ToBytes() ?? original.ToArray(), rate);
        if (frame is ResponseFrame { Completes: { } completes }) commands.Remove(completes.Offset);
    }

    /// <summary>The commands a response answers: the one a tagged response completes, all outstanding ones for untagged data.</summary>
    private List<PendingCommand> Answered(ImapFrame frame) => frame switch
    {
        ResponseFrame { Completes: { } completes } => commands.TryGetValue(completes.Offset, out var c) ? [c] : [],
        ResponseFrame { ResponseKind: ResponseKind.Untagged or ResponseKind.Continuation } => commands.Values.ToList(),
        _ => [],
    };

    /// <summary>A rule decides once per answer (its first applicable response) and once per directly selected response.</summary>
    private bool Fires(ActiveFault rule, PendingCommand? command)
    {
        if (command is null) return rule.TryFire(dice);
        if (!command.Decisions.TryGetValue(rule.Id, out var fired)) command.Decisions[rule.Id] = fired = rule.TryFire(dice);
        return fired;
    }

    // ---- output ----

    /// <summary>Bytes to the client, within what is left before a close-after-bytes cut.</summary>
    private void Send(List<FaultStep> steps, byte[] bytes, long? rate)
    {
        if (closing || bytes.Length == 0) return;
        if (closeBudget is { } budget && bytes.Length >= budget)
        {
            steps.Add(new SendStep(bytes[..(int)budget], rate));
            steps.Add(new CloseStep("the proxy closed the connection inside a response (fault rule: close after bytes)"));
            closing = true;
            return;
        }
        if (closeBudget is not null) closeBudget -= bytes.Length;
        steps.Add(new SendStep(bytes, rate));
    }

    private long FlushHeld(List<FaultStep> steps, long consumed)
    {
        Send(steps, held.WrittenSpan[(int)consumed..].ToArray(), null);
        return held.WrittenCount;
    }

    /// <summary>Drops the held bytes before <paramref name="consumed"/>.</summary>
    private void Keep(long consumed)
    {
        if (consumed == 0) return;
        var rest = held.WrittenSpan[(int)consumed..].ToArray();
        held.Clear();
        held.Write(rest);
        heldStart += consumed;
    }

    private static RecordStep Note(string action, string description) =>
        new(new ProxyAction { Source = EventSource.Proxy, Action = action, Description = description });

    private static RecordStep Note(ActiveFault rule, string description, long offset, ReadOnlySpan<byte> original = default,
        ReadOnlySpan<byte> altered = default) =>
        new(new ProxyAction
        {
            Source = EventSource.Proxy, Action = ProxyAction.Fault, Offset = offset,
            Description = $"fault rule {rule.Id} ({rule.Rule.Text}): {description}",
            Original = original.IsEmpty ? null : ByteText.Escape(original, RecordedBytes),
            Bytes = altered.IsEmpty ? null : ByteText.Escape(altered, RecordedBytes),
        });

    // Both sides of an edit are recorded up to this much each (a literal's start shows the change; its size is in the frame).
    private const int RecordedBytes = 64 * 1024;

    /// <summary>A command sent and not yet completed: the rules that selected it, and whether each fired on its answer.</summary>
    private sealed class PendingCommand
    {
        public HashSet<int> Selected { get; } = [];
        public Dictionary<int, bool> Decisions { get; } = [];
    }
}
