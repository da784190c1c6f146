using ImapProxy.Protocol;
using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>
/// Sizes the server announced (RFC822.SIZE, BODYSTRUCTURE part sizes, BINARY.SIZE) against the bytes it sent for
/// the same message, in the same FETCH or in another one of the session.
/// </summary>
internal sealed class SizeChecks : ISessionCheck
{
    // Facts of this many messages per session at most; a client syncing a huge mailbox stops being checked, not
    // the proxy's memory growing.
    private const int MaxMessages = 50_000;

    private readonly Dictionary<MessageKey, MessageFacts> messages = [];

    public void Observe(SessionEvent e, AnalysisState state, FindingList found)
    {
        // Only FETCH data that says something of sizes costs memory here: a FLAGS sync of a big mailbox costs none.
        if (e is not FrameParsed { Frame: ResponseFrame { Data: FetchData fetch } }
            || fetch is { Rfc822Size: null, BodyStructure: null, BinarySizes: null, Sections: null }) return;
        var key = MessageKey.Of(fetch, state);
        if (!messages.TryGetValue(key, out var facts))
        {
            if (messages.Count >= MaxMessages) return;
            messages[key] = facts = new MessageFacts();
        }
        facts.Learn(fetch, e.Sequence);
        Compare(fetch, facts, e.Sequence, found);
    }

    private static void Compare(FetchData fetch, MessageFacts facts, long sequence, FindingList found)
    {
        if (facts.Rfc822Size is { } announced && !facts.SizeReported && facts.WholeMessage is { } whole && (ulong)whole.Length != announced.Value)
        {
            facts.SizeReported = true;
            found.Add(FindingRules.Rfc822SizeMismatch.Report(
                $"{Describe(fetch)} has RFC822.SIZE {announced.Value} but its whole body ({whole.Item}) is {whole.Length} bytes ({Difference(whole.Length, announced.Value)})",
                announced.Sequence, whole.Sequence));
        }
        foreach (var (section, sent) in facts.Parts)
        {
            if (facts.ReportedParts.Contains(section)) continue;
            if (sent.Binary)
            {
                if (facts.BinarySizes.TryGetValue(section, out var binarySize) && binarySize.Value != (ulong)sent.Length)
                {
                    facts.ReportedParts.Add(section);
                    found.Add(FindingRules.BinarySizeMismatch.Report(
                        $"{Describe(fetch)} part {section} has BINARY.SIZE {binarySize.Value} but BINARY[{section}] is {sent.Length} bytes ({Difference(sent.Length, binarySize.Value)})",
                        binarySize.Sequence, sent.Sequence));
                }
                continue;
            }
            if (facts.Structure is not { } structure || BodyParts.Find(structure.Value, section) is not { Size: { } partSize } part) continue;
            if (partSize == (ulong)sent.Length) continue;
            facts.ReportedParts.Add(section);
            found.Add(FindingRules.BodyStructureSizeMismatch.Report(
                $"{Describe(fetch)} part {section} ({$"{part.Type}/{part.Subtype}".ToLowerInvariant()}) is {partSize} bytes in BODYSTRUCTURE but BODY[{section}] is {sent.Length} bytes ({Difference(sent.Length, partSize)})",
                structure.Sequence, sent.Sequence));
        }
    }

    private static string Describe(FetchData fetch) =>
        fetch.Uid is { } uid ? $"message UID {uid}" : $"message {fetch.SequenceNumber}";

    /// <summary>How far the bytes sent are from a size announced, in words.</summary>
    internal static string Difference(long sent, ulong announced) =>
        (long)announced > sent ? $"{(long)announced - sent} bytes fewer than announced" : $"{sent - (long)announced} bytes more than announced";

    /// <summary>A value the server sent and the event it came in.</summary>
    private readonly record struct Seen<T>(T Value, long Sequence);

    /// <summary>The bytes of one body section as sent: its length, the item that carried it, and the event.</summary>
    private sealed record SentSection(string Item, long Length, bool Binary, long Sequence);

    private sealed class MessageFacts
    {
        public Seen<ulong>? Rfc822Size;
        public Seen<BodyPart>? Structure;
        public SentSection? WholeMessage;
        public bool SizeReported;

        // Made when first needed: most messages of a sync never have a part fetched.
        private Dictionary<string, Seen<ulong>>? binarySizes;
        private Dictionary<string, SentSection>? parts;
        private HashSet<string>? reportedParts;

        public Dictionary<string, Seen<ulong>> BinarySizes => binarySizes ??= new(StringComparer.OrdinalIgnoreCase);
        public IReadOnlyDictionary<string, SentSection> Parts => (IReadOnlyDictionary<string, SentSection>?)parts ?? Empty;
        public HashSet<string> ReportedParts => reportedParts ??= new(StringComparer.OrdinalIgnoreCase);

        private static readonly Dictionary<string, SentSection> Empty = [];

        public void Learn(FetchData fetch, long sequence)
        {
            if (fetch.Rfc822Size is { } size) Rfc822Size = new(size, sequence);
            if (fetch.BodyStructure is { } structure) Structure = new(structure, sequence);
            if (fetch.BinarySizes is { } binarySizes)
                foreach (var (section, value) in binarySizes) BinarySizes[section] = new(value, sequence);
            foreach (var section in fetch.Sections ?? [])
            {
                // A partial fetch (<origin.count>) or NIL says nothing about the whole (RFC 3501 §6.4.5).
                if (section.Origin is not null || section.Nil) continue;
                var binary = section.Item.StartsWith("BINARY", StringComparison.OrdinalIgnoreCase);
                var sent = new SentSection(section.Item, section.Size, binary, sequence);
                if (section.Section.Length == 0 && !binary && !section.Item.StartsWith("RFC822.", StringComparison.OrdinalIgnoreCase))
                    WholeMessage = sent;
                else if (BodyParts.IsPartNumber(section.Section) || binary && section.Section.Length == 0)
                    (parts ??= new(StringComparer.OrdinalIgnoreCase))[section.Section] = sent;
            }
        }
    }
}
