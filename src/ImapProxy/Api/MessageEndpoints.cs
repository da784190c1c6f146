using ImapProxy.Mail;
using ImapProxy.Queries;
using MimeKit;

namespace ImapProxy.Api;

/// <summary>
/// A literal's stored bytes, and a fetched message's parts and HTML body, for the session page's message view.
/// Mail is hostile and these serve it from the dashboard's own origin: every answer carries <see cref="SafeHtml.Policy"/>
/// (sandboxed, nothing loaded, nothing run, even when opened on its own), and only the HTML body is shown inline.
/// They sit behind the dashboard's Host, cross-site and token checks like the rest of the API.
/// </summary>
internal static class MessageEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var literal = api.MapGroup("/sessions/{id:long}/events/{seq:long}/literals/{n:int}");
        literal.AddEndpointFilter((context, next) =>
        {
            context.HttpContext.Response.Headers.ContentSecurityPolicy = SafeHtml.Policy;
            return next(context);
        });

        literal.MapGet("", (StoreQueries queries, HttpContext context, long id, long seq, int n) =>
            {
                if (queries.Literal(id, seq, n) is not { } stored) return NoLiteral(id, seq, n);
                // As stored: a literal over the capture cap is served as far as it was kept, and its name and these say so.
                context.Response.Headers["X-Literal-Length"] = stored.Length.ToString();
                context.Response.Headers["X-Literal-Kept"] = stored.Kept.Length.ToString();
                return Results.File(stored.Kept, "application/octet-stream", stored.FileName);
            })
            .WithSummary("A literal's exact bytes as stored (X-Literal-Kept of X-Literal-Length when the capture cap cut it)")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").ProducesProblem(StatusCodes.Status404NotFound);

        literal.MapGet("/parts/{part:regex(^[1-9][0-9]*(\\.[1-9][0-9]*)*$)}", (StoreQueries queries, long id, long seq, int n, string part) =>
            {
                if (queries.Literal(id, seq, n) is not { IsMessage: true } stored || stored.Open() is not { } message) return NoLiteral(id, seq, n);
                using (message)
                {
                    using var content = new MemoryStream();
                    switch (ImapPartNumbers.Find(message, part))
                    {
                        case MimePart single:
                            single.Content?.DecodeTo(content);
                            return Results.File(content.ToArray(), "application/octet-stream", single.FileName ?? $"part-{part}.bin");
                        case MessagePart embedded:
                            embedded.Message?.WriteTo(content);
                            return Results.File(content.ToArray(), "application/octet-stream", $"part-{part}.eml");
                        default:
                            return Results.Problem($"the message has no part {part} with content", statusCode: StatusCodes.Status404NotFound);
                    }
                }
            })
            .WithSummary("A part of a fetched message, decoded (the part as IMAP numbers it: 1, 1.2, 2…)")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").ProducesProblem(StatusCodes.Status404NotFound);

        literal.MapGet("/html", (StoreQueries queries, long id, long seq, int n) =>
            {
                if (queries.Literal(id, seq, n) is not { IsMessage: true } stored || stored.Open() is not { } message) return NoLiteral(id, seq, n);
                using (message)
                {
                    return message.HtmlBody is { } html
                        ? Results.Content(SafeHtml.Filter(html, SafeHtml.ImagesOf(message)), "text/html; charset=utf-8")
                        : Results.Problem("the message has no HTML body", statusCode: StatusCodes.Status404NotFound);
                }
            })
            .WithSummary("A fetched message's HTML body, filtered, for a sandboxed frame: it loads nothing and runs nothing")
            .Produces(StatusCodes.Status200OK, contentType: "text/html").ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static IResult NoLiteral(long id, long seq, int n) =>
        Results.Problem($"session {id} has no message literal {n} at event {seq}", statusCode: StatusCodes.Status404NotFound);
}
