namespace ImapProxy.Hosting;

/// <summary>
/// Two headers on every response, refusals included. nosniff: an API answer that a page on another site loads as a
/// script or a stylesheet is refused for its type instead of being run or parsed. The policy: the dashboard runs only its
/// own script files (Blazor's and app.js; no inline script, no eval, so captured text that slipped into the page could
/// not run), and its own style sheets, no style element; style attributes are Blazor's Virtualize spacers (their heights)
/// and no way to run anything. It talks only to itself (its circuit's WebSocket included), shows its own images and the
/// status page's data: QR code, and is framed by no one (clickjacking of its Serve and Replay buttons). It frames only
/// itself: a fetched message's HTML body, served sandboxed under a policy of its own (MessageEndpoints).
/// </summary>
internal static class SecurityHeaders
{
    private const string Policy = "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; " +
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    public static void Add(WebApplication app) => app.Use((context, next) =>
    {
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = Policy;
        return next(context);
    });
}
