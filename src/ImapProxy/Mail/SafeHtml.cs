using MimeKit;
using MimeKit.Text;

namespace ImapProxy.Mail;

/// <summary>
/// A message's HTML body as the dashboard frames it. Mail is hostile: the page it is framed in sandboxes it (no
/// scripts, an opaque origin) and <see cref="Policy"/> refuses every fetch but inline styles and data: images, so a
/// tracking pixel or a remote style sheet tells its sender nothing. The markup is also filtered, for what neither
/// stops: a refresh or a base that navigates the frame away, DNS prefetches and preconnects, scripts, nested frames and
/// plug-ins, and event handlers. Images the message carries itself (cid:, RFC 2392) are put inline as data: URIs, the
/// one kind of image the policy lets through.
/// </summary>
public static class SafeHtml
{
    /// <summary>The framed body's Content-Security-Policy: it loads nothing from anywhere, runs nothing, is framed by the dashboard only.</summary>
    public const string Policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; " +
        "frame-ancestors 'self'; sandbox";

    /// <param name="inlineImage">The data: URI of the image a cid: reference names, or null when the message has none.</param>
    public static string Filter(string html, Func<string, string?> inlineImage)
    {
        var converter = new HtmlToHtml { FilterComments = true, HtmlTagCallback = (tag, writer) => FilterTag(tag, writer, inlineImage) };
        using var output = new StringWriter();
        converter.Convert(new StringReader(html), output);
        return output.ToString();
    }

    /// <summary>The message's own images by Content-ID, as data: URIs.</summary>
    public static Func<string, string?> ImagesOf(MimeMessage message) => cid =>
    {
        var id = Uri.UnescapeDataString(cid);
        if (message.BodyParts.OfType<MimePart>().FirstOrDefault(p => p.ContentId == id && p.ContentType.MediaType == "image") is not { Content: { } content } part)
            return null;
        using var bytes = new MemoryStream();
        content.DecodeTo(bytes);
        return $"data:{part.ContentType.MimeType};base64,{Convert.ToBase64String(bytes.GetBuffer(), 0, (int)bytes.Length)}";
    };

    private static void FilterTag(HtmlTagContext tag, HtmlWriter writer, Func<string, string?> inlineImage)
    {
        switch (tag.TagId)
        {
            case HtmlTagId.Script or HtmlTagId.IFrame or HtmlTagId.Frame or HtmlTagId.FrameSet or HtmlTagId.Object or HtmlTagId.Embed or HtmlTagId.Applet:
                tag.DeleteTag = true;
                tag.DeleteEndTag = true;
                tag.SuppressInnerContent = true;
                return;
            case HtmlTagId.Meta or HtmlTagId.Link or HtmlTagId.Base:
                tag.DeleteTag = true;
                return;
        }
        // End tags are written as they are (the callback is not asked for them); start tags lose their event handlers.
        tag.WriteTag(writer, false);
        foreach (var attribute in tag.Attributes)
        {
            if (attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)) continue;
            if (attribute.Id == HtmlAttributeId.Src && attribute.Value?.StartsWith("cid:", StringComparison.OrdinalIgnoreCase) == true)
            {
                // An image the message does not carry stays out: the policy would refuse the cid: URL anyway.
                if (inlineImage(attribute.Value[4..]) is { } data) writer.WriteAttribute(HtmlAttributeId.Src, data);
                continue;
            }
            writer.WriteAttribute(attribute);
        }
    }
}
