namespace ImapProxy.Hosting;

/// <summary>A request the dashboard will not serve: its status and one line that says why, readable in a terminal and in a browser's network panel.</summary>
internal static class Refusal
{
    public static Task WriteAsync(HttpContext context, int status, string reason)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync($"ImapProxy: {reason}\n");
    }
}
