namespace ImapProxy.Hosting;

/// <summary>
/// A page on another site can make the user's browser send requests to the dashboard, its access cookie included: a
/// form's POST or a fetch() that serves a capture or starts a replay, a WebSocket that drives a Blazor circuit. The
/// browser says where each comes from. A foreign Origin (sent with every POST, every WebSocket and every cross-origin
/// fetch, never with the dashboard's own reads) is refused on any request. A request that changes something is also
/// refused when Sec-Fetch-Site says it is not the dashboard's own page: "same-site" is too wide, another port of
/// localhost is the same site. Tools (curl, scripts) send neither header and pass.
/// </summary>
internal static class CrossSiteCheck
{
    public static void Add(WebApplication app) => app.Use((context, next) =>
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
            return Refusal.WriteAsync(context, StatusCodes.Status403Forbidden, $"refused a request from another site (Origin: {origin})");
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site is not ("" or "same-origin" or "none") && !ReadsOnly(request.Method))
            return Refusal.WriteAsync(context, StatusCodes.Status403Forbidden, $"refused a {request.Method} from another site (Sec-Fetch-Site: {site})");
        return next(context);
    });

    private static bool ReadsOnly(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
}
