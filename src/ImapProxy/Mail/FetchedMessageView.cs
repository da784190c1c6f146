using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Findings;
using MimeKit;

namespace ImapProxy.Mail;

/// <summary>A row of a fetched message's MIME tree, beside what BODYSTRUCTURE said of the same part.</summary>
/// <param name="Size">The part's content as sent (encoded), for parts with content.</param>
/// <param name="Claimed">What BODYSTRUCTURE says of it ("—" when it says nothing).</param>
public sealed record PartRow(string Number, int Depth, string ContentType, string? Name, long? Size, string Claimed, bool Mismatch, bool Downloadable);

public sealed record AttachmentRow(string Number, string Name, string ContentType);

/// <summary>One of the server's claims about the message, said against the message itself.</summary>
public sealed record ClaimLine(string Text, bool Agrees);

/// <summary>What the session page shows of a fetched message: made once when it is opened, from the message read with MimeKit.</summary>
public sealed record FetchedMessageView(
    bool Whole, long Kept,
    IReadOnlyList<(string Name, string Value)> Headers, IReadOnlyList<(string Name, string Value)> AllHeaders,
    bool HasHtml, string? Text, bool TextCut,
    IReadOnlyList<AttachmentRow> Attachments, IReadOnlyList<PartRow> Parts, IReadOnlyList<ClaimLine> Claims)
{
    public static FetchedMessageView From(StoredLiteral stored, MimeMessage message, MessageClaims claims, int textLimit)
    {
        var numbered = ImapPartNumbers.Of(message);
        var structure = claims.Structure?.Value;
        // A message the capture cut is not judged part by part: its last parts are short because of the cap, not the server.
        var parts = numbered.Select(p => Row(p, structure, judge: stored.Whole)).ToList();
        var text = message.TextBody;
        return new FetchedMessageView(
            stored.Whole, stored.Kept.Length,
            // Decoded as a mail client shows them (RFC 2047 encoded words, folded lines).
            [
                ("From", message.From.ToString()), ("To", message.To.ToString()),
                .. message.Cc.Count > 0 ? [("Cc", message.Cc.ToString())] : Array.Empty<(string, string)>(),
                ("Subject", message.Subject ?? ""), ("Date", message.Headers[HeaderId.Date] ?? ""),
            ],
            [.. message.Headers.Select(h => (h.Field, h.Value))],
            message.HtmlBody is not null,
            text is null ? null : text.Length > textLimit ? text[..textLimit] : text, text?.Length > textLimit,
            [.. numbered.Where(p => p.Entity is MimePart { IsAttachment: true } or MessagePart)
                .Select(p => new AttachmentRow(p.Number, Name(p.Entity) ?? $"part {p.Number}", p.Entity.ContentType.MimeType))],
            parts,
            ClaimsAbout(stored, claims, parts));
    }

    private static PartRow Row(NumberedPart part, BodyPart? structure, bool judge)
    {
        var entity = part.Entity;
        long? size = entity is MimePart { Content.Stream: { } content } ? content.Length : null;
        var claimed = structure is null ? null : BodyParts.Find(structure, part.Number);
        var type = entity.ContentType.MimeType.ToLowerInvariant();
        var claimedType = claimed is null ? null : $"{claimed.Type}/{claimed.Subtype}".ToLowerInvariant();
        var mismatch = judge && structure is not null && (claimedType != type || size is { } s && claimed?.Size is { } c && (long)c != s);
        var said = claimed is null
            ? structure is null ? "—" : "not in BODYSTRUCTURE"
            : claimedType != type ? $"{claimedType}, {claimed.Size?.ToString() ?? "no size"}" : claimed.Size?.ToString() ?? "—";
        return new PartRow(part.Number, part.Depth, type, Name(entity), size, said, mismatch, entity is MimePart or MessagePart);
    }

    private static string? Name(MimeEntity entity) => entity switch
    {
        MimePart single => single.FileName,
        MessagePart embedded => embedded.Message?.Subject,
        _ => null,
    };

    private static List<ClaimLine> ClaimsAbout(StoredLiteral stored, MessageClaims claims, IReadOnlyList<PartRow> parts)
    {
        var lines = new List<ClaimLine>();
        string Where(long sequence) => sequence == stored.Sequence ? "in this FETCH"
            : $"in {(sequence < stored.Sequence ? "an earlier" : "a later")} FETCH, event {sequence}";
        // RFC822.SIZE counts the message as BODY[] sends it; BINARY[] is decoded content and has its own BINARY.SIZE.
        if (stored.Item?.StartsWith("BINARY", StringComparison.OrdinalIgnoreCase) != true)
        {
            lines.Add(claims.Rfc822Size is { } size
                ? (long)size.Value == stored.Length
                    ? new ClaimLine($"RFC822.SIZE {size.Value} {Where(size.Sequence)}: matches the {stored.Length} bytes sent.", true)
                    : new ClaimLine($"RFC822.SIZE {size.Value} {Where(size.Sequence)}, but the message sent is {stored.Length} bytes.", false)
                : new ClaimLine("No RFC822.SIZE of this message in the session.", true));
        }
        if (claims.Structure is not { } structure)
        {
            lines.Add(new ClaimLine("No BODYSTRUCTURE of this message in the session.", true));
            return lines;
        }
        var differing = parts.Count(p => p.Mismatch);
        lines.Add(!stored.Whole
            ? new ClaimLine($"BODYSTRUCTURE {Where(structure.Sequence)}: parts not compared, the capture kept only the first {stored.Kept.Length} of {stored.Length} bytes.", true)
            : differing == 0
                ? new ClaimLine($"BODYSTRUCTURE {Where(structure.Sequence)}: agrees with every part.", true)
                : new ClaimLine($"BODYSTRUCTURE {Where(structure.Sequence)}: {(differing == 1 ? "1 part differs" : $"{differing} parts differ")}.", false));
        return lines;
    }
}
