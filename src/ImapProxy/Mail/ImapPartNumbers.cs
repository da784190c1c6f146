using MimeKit;

namespace ImapProxy.Mail;

/// <summary>A MIME part of a fetched message under the number IMAP gives it in BODY[section].</summary>
public sealed record NumberedPart(string Number, MimeEntity Entity)
{
    /// <summary>How deep the part sits in the tree (1 for the message's own parts), for indenting it.</summary>
    public int Depth => Number.Count(c => c == '.') + 1;
}

/// <summary>
/// Numbers a message's MIME tree as IMAP numbers parts (RFC 3501 §6.4.5): the parts of a multipart are numbered
/// from 1, a nested multipart's as "its number.1", "its number.2"; a message that is not multipart has one part,
/// numbered 1; inside a message/rfc822 part, numbering continues into the encapsulated message's body (its own
/// single part being "number.1"). The top multipart itself has no number: it is the message (BODY[], BODY[TEXT]).
/// </summary>
public static class ImapPartNumbers
{
    public static IReadOnlyList<NumberedPart> Of(MimeMessage message) =>
        message.Body switch
        {
            null => [],
            Multipart top => [.. Inside(top, "")],
            var single => [new NumberedPart("1", single), .. Inside(single, "1")],
        };

    /// <summary>The part BODY[<paramref name="number"/>] names, or null.</summary>
    public static MimeEntity? Find(MimeMessage message, string number) =>
        Of(message).FirstOrDefault(p => p.Number == number)?.Entity;

    private static IEnumerable<NumberedPart> Inside(MimeEntity entity, string number)
    {
        switch (entity)
        {
            case Multipart multipart:
                for (var i = 0; i < multipart.Count; i++)
                {
                    var child = number.Length == 0 ? $"{i + 1}" : $"{number}.{i + 1}";
                    yield return new NumberedPart(child, multipart[i]);
                    foreach (var inner in Inside(multipart[i], child)) yield return inner;
                }
                break;
            case MessagePart { Message.Body: Multipart body }:
                foreach (var inner in Inside(body, number)) yield return inner;
                break;
            case MessagePart { Message.Body: { } body }:
                yield return new NumberedPart($"{number}.1", body);
                foreach (var inner in Inside(body, $"{number}.1")) yield return inner;
                break;
        }
    }
}
