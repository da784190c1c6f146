using MimeKit;

namespace ImapProxy.Mail;

/// <summary>
/// A literal of a stored frame, found by the event that carries it and its place among the frame's literals, with the
/// bytes the capture kept of it: all of them, or the first <c>Kept.Length</c> of <see cref="Length"/> when the literal
/// was over the capture cap (--literal-cap). Never presented as whole when it is not.
/// </summary>
/// <param name="Item">The FETCH item it is the value of (BODY[], RFC822, BODY[1.2]…), when it is one.</param>
public sealed record StoredLiteral(long SessionId, long Sequence, int Index, string? Item, long Length, byte[] Kept)
{
    public bool Whole => Kept.Length == Length;

    /// <summary>Whether it is a whole message: BODY[], RFC822, BINARY[] (RFC 3501 §6.4.5, RFC 3516).</summary>
    public bool IsMessage => Item is { } item && IsMessageItem(item);

    /// <summary>The download's name, which says when it is only the kept start of the literal.</summary>
    public string FileName =>
        $"session-{SessionId}-event-{Sequence}-literal-{Index}{(Whole ? "" : $"-first-{Kept.Length}-of-{Length}-bytes")}.{(IsMessage ? "eml" : "bin")}";

    public static bool IsMessageItem(string item) =>
        item.EndsWith("[]", StringComparison.Ordinal) || item == "RFC822" || item.StartsWith("BINARY[]", StringComparison.Ordinal);

    /// <summary>The literal read with MimeKit as a mail client would read it; null when MimeKit cannot.</summary>
    public MimeMessage? Open()
    {
        try
        {
            return MimeMessage.Load(new MemoryStream(Kept, writable: false));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
