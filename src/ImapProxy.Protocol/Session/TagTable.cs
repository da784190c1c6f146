using ImapProxy.Protocol.Commands;

namespace ImapProxy.Protocol.Session;

/// <summary>A command the server has not completed yet.</summary>
internal sealed class PendingCommand(string tag, string name, long offset)
{
    public string Tag { get; } = tag;
    public string Name { get; } = name;
    public long Offset { get; } = offset;
    public CommandArgs? Args { get; set; }

    public CommandReference Reference => new(Tag, Name, Offset);
}

/// <summary>Commands in progress by tag (RFC 3501 §2.2.1), bounded so a client that never gets answers cannot grow it.</summary>
internal sealed class TagTable(int capacity)
{
    private readonly Dictionary<string, PendingCommand> byTag = new(StringComparer.Ordinal);
    private readonly Queue<string> order = new();

    public int Count => byTag.Count;

    /// <summary>Adds a command; returns false when its tag is already in progress (the newer one replaces it).</summary>
    public bool Add(PendingCommand command, out bool evicted)
    {
        evicted = false;
        var fresh = byTag.TryAdd(command.Tag, command);
        if (!fresh)
        {
            byTag[command.Tag] = command;
            return false;
        }
        order.Enqueue(command.Tag);
        while (byTag.Count > capacity && order.TryDequeue(out var oldest))
            evicted |= byTag.Remove(oldest);
        // Keep the queue from growing with tags that were completed long ago.
        if (order.Count > capacity * 2) Compact();
        return true;
    }

    public PendingCommand? Find(string tag) => byTag.GetValueOrDefault(tag);

    public PendingCommand? Complete(string tag) => byTag.Remove(tag, out var command) ? command : null;

    private void Compact()
    {
        var live = order.Where(byTag.ContainsKey).Distinct().ToList();
        order.Clear();
        foreach (var tag in live) order.Enqueue(tag);
    }
}
