using ImapProxy.Storage;

namespace ImapProxy.Dashboard.Timeline;

/// <summary>One entry of a session's conversation as the session page shows it.</summary>
public abstract record TimelineItem(long Sequence);

/// <summary>
/// A command with everything that belongs to it: continuation requests, the client's literal and SASL lines,
/// the untagged responses that arrived while it ran, and its tagged completion with status and latency.
/// </summary>
public sealed record CommandItem(long Sequence, EventRow Command) : TimelineItem(Sequence)
{
    public List<EventRow> Parts { get; } = [];
    public EventRow? Completion { get; set; }
    public TimeSpan? Latency { get; set; }

    public string Tag => Command.Tag ?? "";
    public string Name => Command.Name ?? "";
    public string Status => Completion?.Status ?? "pending";
    public bool IsIdle => Name == "IDLE";
}

/// <summary>Anything that is not part of a command: greeting, TLS, proxy actions, state changes, stray responses.</summary>
public sealed record EventItem(long Sequence, EventRow Event) : TimelineItem(Sequence);

/// <summary>
/// Groups a session's events into a conversation, incrementally so the page can follow a live session.
/// Untagged responses go to the most recent command still running (RFC 3501 §7: the server sends them while
/// processing a command, or unsolicited, e.g. during IDLE); with several commands in flight that is a best guess.
/// </summary>
public sealed class TimelineBuilder
{
    private readonly List<TimelineItem> items = [];
    private readonly System.Collections.ObjectModel.ReadOnlyCollection<TimelineItem> view;
    private readonly Dictionary<string, CommandItem> running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CommandItem> awaitingLatency = new(StringComparer.Ordinal);
    private CommandItem? latest;

    public TimelineBuilder() => view = items.AsReadOnly();

    /// <summary>The items so far; a live view over the list (virtualised rendering needs a collection).</summary>
    public System.Collections.ObjectModel.ReadOnlyCollection<TimelineItem> Items => view;

    public long LastSequence { get; private set; }

    public void AddRange(IEnumerable<EventRow> events)
    {
        foreach (var e in events) Add(e);
    }

    public void Add(EventRow e)
    {
        if (e.Sequence <= LastSequence && e.Sequence != 0) return; // already shown (live and stored overlap)
        if (e.Type == "raw") return;
        LastSequence = Math.Max(LastSequence, e.Sequence);
        switch (e)
        {
            case { Type: "frame", Kind: "command" }:
                var command = new CommandItem(e.Sequence, e);
                items.Add(command);
                if (e.Tag is { } tag) running[tag] = command;
                latest = command;
                return;
            case { Type: "frame", Kind: "client-line" } when e.Tag is { } lineTag && running.TryGetValue(lineTag, out var owner):
                owner.Parts.Add(e);
                return;
            case { Type: "frame", Kind: "response" } when IsTagged(e) && e.Tag is { } doneTag && running.Remove(doneTag, out var done):
                done.Completion = e;
                awaitingLatency[doneTag] = done;
                if (latest == done) latest = running.Values.LastOrDefault();
                return;
            case { Type: "frame", Kind: "response" } when !IsTagged(e) && latest is not null:
                latest.Parts.Add(e);
                return;
            case { Type: "command-completed" } when e.Tag is { } completedTag && awaitingLatency.Remove(completedTag, out var completed):
                completed.Latency = e.Latency;
                return;
        }
        items.Add(new EventItem(e.Sequence, e));
    }

    // Only tagged responses carry a tag (untagged and continuation responses have none).
    private static bool IsTagged(EventRow e) => e.Tag is not null;
}
