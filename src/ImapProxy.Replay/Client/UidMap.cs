using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;
using ImapProxy.Recording.Findings;
using ImapProxy.Replay.Captured;

namespace ImapProxy.Replay.Client;

/// <summary>
/// The UIDs a replay's server gave the messages a captured session appended, copied or moved, against the captured
/// ones (APPENDUID and COPYUID, RFC 4315 §3, which list them in the same order), per mailbox. A later command that
/// names a captured UID goes out with the replay's, so one renumbered message does not turn every command after it
/// into a difference.
/// </summary>
internal sealed class UidMap
{
    /// <summary>UIDs read from one response code at most (the wire is not trusted).</summary>
    private const int MaxPerCode = 10_000;

    private readonly Dictionary<string, Dictionary<ulong, ulong>> byMailbox = [];

    /// <summary>Learns from a command that put messages in a mailbox, from both answers' codes.</summary>
    public void Learn(CapturedExchange exchange, IReadOnlyList<ResponseFrame> replayed)
    {
        if (exchange.Frame.Args switch { AppendArgs a => a.Mailbox, CopyArgs c => c.Mailbox, _ => null } is not { } mailbox) return;
        var captured = Assigned(exchange.Responses);
        var replay = Assigned(replayed);
        if (captured.Count == 0 || replay.Count == 0) return;
        if (!byMailbox.TryGetValue(mailbox, out var map)) byMailbox[mailbox] = map = [];
        for (var i = 0; i < Math.Min(captured.Count, replay.Count); i++) map[captured[i]] = replay[i];
    }

    /// <summary>The command with its UID set renumbered for the selected mailbox; null when nothing in it was renumbered.</summary>
    public byte[]? Rewrite(CapturedExchange exchange, string? selected)
    {
        var set = exchange.Frame.Args switch
        {
            FetchArgs { Uid: true } f => f.SequenceSet,
            StoreArgs { Uid: true } s => s.SequenceSet,
            CopyArgs { Uid: true } c => c.SequenceSet,
            ExpungeArgs { Uid: true, SequenceSet: { } e } => e,
            _ => null,
        };
        if (set is null || selected is null || !byMailbox.TryGetValue(selected, out var map)) return null;
        var renumbered = string.Join(",", set.Split(',').Select(range => string.Join(":", range.Split(':').Select(end =>
            ulong.TryParse(end, out var uid) && map.TryGetValue(uid, out var now) ? now.ToString(System.Globalization.CultureInfo.InvariantCulture) : end))));
        if (renumbered == set) return null;
        // "tag UID NAME set ...": the set is the fourth word of the command's first line.
        var text = Encoding.Latin1.GetString(exchange.Command);
        var words = text.Split(' ', 5);
        if (words.Length < 4 || words[3].TrimEnd('\r', '\n') != set) return null;
        words[3] = words[3].Replace(set, renumbered, StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(string.Join(' ', words));
    }

    private static List<ulong> Assigned(IEnumerable<ResponseFrame> responses) =>
        responses.Select(r => r.Code)
            .Where(c => c is { DestinationUids: not null } && (c.Name.Equals("APPENDUID", StringComparison.OrdinalIgnoreCase) || c.Name.Equals("COPYUID", StringComparison.OrdinalIgnoreCase)))
            .SelectMany(c => UidSets.Numbers(c!.DestinationUids!, MaxPerCode))
            .ToList();
}
