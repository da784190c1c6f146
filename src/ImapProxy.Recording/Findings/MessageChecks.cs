using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Events;
using MimeKit;
using MimeKit.Utils;

namespace ImapProxy.Recording.Findings;

/// <summary>
/// What the server said of a message (ENVELOPE, BODYSTRUCTURE) against the message itself, read with MimeKit as a
/// mail client reads it, when the session fetched its headers or the whole of it. Only bodies the parser kept with
/// their frame are read (up to its inline limit, 64 KiB by default): larger ones are not judged; each message is
/// judged once.
/// </summary>
internal sealed class MessageChecks : ISessionCheck
{
    private const int MaxMessages = 50_000;

    private readonly Dictionary<MessageKey, Claims> claims = [];

    public void Observe(SessionEvent e, AnalysisState state, FindingList found)
    {
        if (e is not FrameParsed { Frame: ResponseFrame { Data: FetchData fetch } }
            || fetch is { Envelope: null, BodyStructure: null, Sections: null }) return;
        var key = MessageKey.Of(fetch, state);
        if (!claims.TryGetValue(key, out var claim))
        {
            if (claims.Count >= MaxMessages) return;
            claims[key] = claim = new Claims();
        }
        if (fetch.Envelope is { } envelope) claim.Envelope = (envelope, e.Sequence);
        if (fetch.BodyStructure is { } structure) claim.Structure = (structure, e.Sequence);
        foreach (var section in fetch.Sections ?? [])
        {
            if (section.Origin is not null || Bytes(section) is not { } bytes) continue;
            var whole = section.Section.Length == 0 && !section.Item.StartsWith("BINARY", StringComparison.OrdinalIgnoreCase)
                && !section.Item.Equals("RFC822.TEXT", StringComparison.OrdinalIgnoreCase);
            var header = whole || section.Section.Equals("HEADER", StringComparison.OrdinalIgnoreCase)
                || section.Item.Equals("RFC822.HEADER", StringComparison.OrdinalIgnoreCase);
            // Bytes are kept only to be judged at once against a claim already made (clients list messages by
            // ENVELOPE and BODYSTRUCTURE before they open one), so that no message body outlives its FETCH here.
            if (header && claim.Envelope is not null) claim.Headers = (bytes, e.Sequence);
            if (whole && claim.Structure is not null && !section.Item.Equals("RFC822.HEADER", StringComparison.OrdinalIgnoreCase))
                claim.Message = (bytes, e.Sequence);
        }
        Compare(fetch, claim, found);
        claim.Headers = null;
        claim.Message = null;
    }

    private static void Compare(FetchData fetch, Claims claim, FindingList found)
    {
        var what = fetch.Uid is { } uid ? $"message UID {uid}" : $"message {fetch.SequenceNumber}";
        if (!claim.EnvelopeJudged && claim.Envelope is var (envelope, envelopeAt) && claim.Headers is var (headerBytes, headersAt))
        {
            claim.EnvelopeJudged = true;
            if (Headers(headerBytes) is { } headers && EnvelopeDifference(envelope, headers) is { } difference)
                found.Add(FindingRules.EnvelopeMismatch.Report($"{what}: {difference}", envelopeAt, headersAt));
        }
        if (!claim.StructureJudged && claim.Structure is var (structure, structureAt) && claim.Message is var (messageBytes, messageAt))
        {
            claim.StructureJudged = true;
            if (Message(messageBytes)?.Body is { } body && StructureDifference(structure, body, "") is { } difference)
                found.Add(FindingRules.BodyStructureMismatch.Report($"{what}: {difference}", structureAt, messageAt));
        }
    }

    /// <summary>The first field where ENVELOPE and the headers differ, in words; null when they agree.</summary>
    private static string? EnvelopeDifference(Envelope envelope, HeaderList headers)
    {
        var subject = headers[HeaderId.Subject];
        if (Decoded(envelope.Subject) != Decoded(subject))
            return $"ENVELOPE subject \"{envelope.Subject}\", the Subject header \"{Unfolded(subject)}\"";
        foreach (var (name, listed) in new[]
                 {
                     (HeaderId.From, envelope.From), (HeaderId.To, envelope.To), (HeaderId.Cc, envelope.Cc),
                 })
        {
            var inEnvelope = Addresses(listed);
            // An absent header may be given as NIL or, for Sender and Reply-To only, as From (RFC 3501 §7.4.2).
            var inHeader = InternetAddressList.TryParse(headers[name] ?? "", out var parsed)
                ? parsed.Mailboxes.Select(m => m.Address.ToLowerInvariant()).ToList()
                : null;
            if (inHeader is null || inEnvelope.SequenceEqual(inHeader)) continue;
            var field = name.ToHeaderName();
            return $"ENVELOPE {field.ToLowerInvariant()} has {inEnvelope.Count} address{(inEnvelope.Count == 1 ? "" : "es")} ({string.Join(", ", inEnvelope)}), "
                + $"the {field} header {inHeader.Count} ({string.Join(", ", inHeader)})";
        }
        var messageId = Unfolded(headers[HeaderId.MessageId]);
        if (envelope.MessageId is { } id && messageId is not null && Unfolded(id) != messageId)
            return $"ENVELOPE message-id {id}, the Message-ID header {messageId}";
        return null;
    }

    /// <summary>The first place where BODYSTRUCTURE and the message's MIME tree differ; null when they agree.</summary>
    private static string? StructureDifference(BodyPart claimed, MimeEntity actual, string path)
    {
        var at = path.Length == 0 ? "the message" : $"part {path}";
        var type = actual.ContentType;
        if (!claimed.Type.Equals(type.MediaType, StringComparison.OrdinalIgnoreCase) || !claimed.Subtype.Equals(type.MediaSubtype, StringComparison.OrdinalIgnoreCase))
            return $"{at} is {Lower(claimed.Type)}/{Lower(claimed.Subtype)} in BODYSTRUCTURE, {Lower(type.MediaType)}/{Lower(type.MediaSubtype)} in the message";
        if (actual is Multipart multipart)
        {
            var parts = claimed.Parts ?? [];
            if (parts.Count != multipart.Count)
                return $"{at} has {parts.Count} part{(parts.Count == 1 ? "" : "s")} in BODYSTRUCTURE, {multipart.Count} in the message";
            for (var i = 0; i < parts.Count; i++)
                if (StructureDifference(parts[i], multipart[i], path.Length == 0 ? $"{i + 1}" : $"{path}.{i + 1}") is { } inner) return inner;
            return null;
        }
        if (actual is MimePart part)
        {
            var claimedEncoding = claimed.Encoding ?? "7BIT";
            var encoding = part.Headers[HeaderId.ContentTransferEncoding]?.Trim() ?? "7bit";
            if (!claimedEncoding.Equals(encoding, StringComparison.OrdinalIgnoreCase))
                return $"{at} is encoded {Lower(claimedEncoding)} in BODYSTRUCTURE, {Lower(encoding)} in the message";
            var claimedCharset = claimed.Parameters?.FirstOrDefault(p => p.Key.Equals("charset", StringComparison.OrdinalIgnoreCase)).Value;
            if (claimedCharset is not null && type.Charset is { } charset && !claimedCharset.Equals(charset, StringComparison.OrdinalIgnoreCase))
                return $"{at} has charset {claimedCharset} in BODYSTRUCTURE, {charset} in the message";
            if (part.Content?.Stream is { } content && ContentDifference(claimed, content, at, type.MediaType) is { } sizes) return sizes;
        }
        return null;
    }

    /// <summary>
    /// body-fld-octets and, for text, body-fld-lines (RFC 3501 §7.4.2) against the part's content as sent: its bytes
    /// in their transfer encoding, from after its header to before the CRLF of the next boundary (RFC 2046 §5.1.1);
    /// lines are the line feeds in it (a last line without one may be counted or not).
    /// </summary>
    private static string? ContentDifference(BodyPart claimed, Stream content, string at, string mediaType)
    {
        // The length is the stream's; the content is read only when line feeds must be counted, and not copied.
        var length = content.Length;
        if (claimed.Size is { } octets && octets != (ulong)length)
            return $"{at} is {octets} bytes in BODYSTRUCTURE, {length} in the message ({SizeChecks.Difference(length, octets)})";
        if (claimed.Lines is not { } lines || !mediaType.Equals("text", StringComparison.OrdinalIgnoreCase)) return null;
        var (feeds, last) = LineFeeds(content);
        // Dovecot counts line feeds; a server that also counts a last line without one is not wrong either.
        var unterminated = length > 0 && last != '\n';
        if (lines == feeds || unterminated && lines == feeds + 1) return null;
        return $"{at} has {lines} lines in BODYSTRUCTURE, {feeds}{(unterminated ? $" (or {feeds + 1} with its unterminated last line)" : "")} in the message";
    }

    private static (ulong Feeds, byte Last) LineFeeds(Stream content)
    {
        Span<byte> buffer = stackalloc byte[4096];
        content.Position = 0;
        ulong feeds = 0;
        byte last = 0;
        int n;
        while ((n = content.Read(buffer)) > 0)
        {
            feeds += (ulong)buffer[..n].Count((byte)'\n');
            last = buffer[n - 1];
        }
        return (feeds, last);
    }

    private static List<string> Addresses(IReadOnlyList<Address>? addresses) =>
        (addresses ?? []).Where(a => a.Email is not null).Select(a => a.Email!.ToLowerInvariant()).ToList();

    private static string? Decoded(string? text) => text is null ? null : Unfolded(Rfc2047.DecodeText(Encoding.UTF8.GetBytes(text)));

    private static string? Unfolded(string? text) => text is null ? null : string.Join(' ', text.Split((char[])['\r', '\n', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    private static string Lower(string text) => text.ToLowerInvariant();

    private static byte[]? Bytes(BodySection section) =>
        section.Literal?.Content ?? (section.Text is { } text ? Encoding.UTF8.GetBytes(text) : null);

    private static HeaderList? Headers(byte[] bytes)
    {
        try
        {
            return HeaderList.Load(new MemoryStream(bytes));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static MimeMessage? Message(byte[] bytes)
    {
        try
        {
            return MimeMessage.Load(new MemoryStream(bytes));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed class Claims
    {
        public (Envelope Value, long Sequence)? Envelope;
        public (BodyPart Value, long Sequence)? Structure;
        public (byte[] Value, long Sequence)? Headers;
        public (byte[] Value, long Sequence)? Message;
        public bool EnvelopeJudged;
        public bool StructureJudged;
    }
}
