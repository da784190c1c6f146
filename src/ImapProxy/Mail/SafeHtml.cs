using MimeKit.Text;

namespace ImapProxy.Mail;

/// <summary>
/// A message's HTML body as the dashboard frames it. Mail is hostile: the page it is framed in sandboxes it (no
/// scripts, an opaque origin) and <see cref="Policy"/> refuses every fetch but inline styles and data: images, so a
/// tracking pixel or a remote style sheet tells its sender nothing. The markup is also filtered, for what neither
/// stops: a refresh or a base that navigates the frame away, DNS prefetches and preconnects, scripts, nested frames and
/// plug-ins, and event handlers.
/// </summary>
public static class SafeHtml
{
    /// <summary>The framed body's Content-Security-Policy: it loads nothing from anywhere, runs nothing, is framed by the dashboard only.</summary>
    public const string Policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; " +
        "frame-ancestors 'self'; sandbox";

    public static string Filter(string html)
    {
        var converter = new HtmlToHtml { FilterComments = true, HtmlTagCallback = FilterTag };
        using var output = new StringWriter();
        converter.Convert(new StringReader(html), output);
        return output.ToString();
    }

    private static void FilterTag(HtmlTagContext tag, HtmlWriter writer)
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
            if (!attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)) writer.WriteAttribute(attribute);
    }
}
