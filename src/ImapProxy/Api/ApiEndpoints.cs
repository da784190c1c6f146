using ImapProxy.Configuration;
using ImapProxy.Dashboard.Live;
using ImapProxy.Queries;
using ImapProxy.Protocol;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Query;
using ImapProxy.Storage;

namespace ImapProxy.Api;

/// <summary>
/// The HTTP API on the dashboard host, with an OpenAPI document at /openapi/v1.json. Filters use the one filter
/// language; pages are keyset cursors (<c>next</c> goes back as <c>before</c>/<c>after</c>).
/// </summary>
internal static class ApiEndpoints
{
    private const int DefaultPage = 100;

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api").WithTags("ImapProxy");

        api.MapGet("/sessions", (StoreQueries queries, string? filter, int? limit, long? before) =>
            {
                var (page, error) = queries.Sessions(filter, limit ?? DefaultPage, before);
                return error is null ? Results.Ok(page) : FilterProblem(error);
            })
            .WithSummary("Sessions matching a filter, newest first").WithDescription(FilterFields.HelpText)
            .Produces<SessionPage>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/sessions/{id:long}", (StoreQueries queries, long id) =>
                queries.Session(id) is { } session ? Results.Ok(session) : NotFound(id))
            .WithSummary("One session's summary").Produces<SessionView>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/sessions/{id:long}/events", (StoreQueries queries, long id, string? filter, int? limit, long? after) =>
            {
                if (!queries.Exists(id)) return NotFound(id);
                var (events, next, error) = queries.Events(id, filter, limit ?? DefaultPage, after);
                return error is null ? Results.Ok(new EventPage([.. events.Select(EventView.From)], next)) : FilterProblem(error);
            })
            .WithSummary("A session's events matching a filter, in order").Produces<EventPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/sessions/{id:long}/findings", (StoreQueries queries, long id) =>
                queries.Exists(id) ? Results.Ok(queries.Findings(id)) : NotFound(id))
            .WithSummary("What the findings engine concluded from a session, each with the events that prove it")
            .Produces<IReadOnlyList<FindingView>>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/sessions/{id:long}/compare/{other:long}", (StoreQueries queries, long id, long other, bool? strict) =>
            {
                var (view, problem) = queries.Compare(id, other, strict ?? false);
                if (view is not null) return Results.Ok(view);
                // A session that is not there, or one that cannot be read as a conversation (bytes the capture cut).
                return Results.Problem(problem, statusCode: queries.Exists(id) && queries.Exists(other)
                    ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status404NotFound);
            })
            .WithSummary("Two sessions side by side: where their conversations diverge, and the findings only one has")
            .Produces<ComparisonView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapGet("/findings", (StoreQueries queries) => Results.Ok(queries.FindingTotals()))
            .WithSummary("Findings per rule across the stored sessions: count, sessions, first and last seen")
            .Produces<IReadOnlyList<FindingTotalView>>();

        api.MapGet("/sessions/{id:long}/raw", (EventStore store, long id, string? dir) =>
            {
                if (dir is not ("client" or "server"))
                    return Results.Problem("dir must be client or server", statusCode: StatusCodes.Status400BadRequest);
                if (store.GetSession(id) is null) return NotFound(id);
                // Exact bytes as stored (secrets are '*'); where literals were cut, the rest follows without the cut part.
                var segments = store.GetRawSegments(id, dir == "client" ? Direction.Client : Direction.Server);
                return Results.Bytes(segments.SelectMany(s => s.Data).ToArray(), "application/octet-stream", $"session-{id}-{dir}.bin");
            })
            .WithSummary("The exact bytes one direction sent").Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");

        api.MapGet("/sessions/{id:long}/export", async (StoreQueries queries, HttpContext context, long id, string? format) =>
            {
                if (!SettingValues.TryChoice<ExportFormat>(format, out var kind))
                    return Results.Problem($"format must be one of {SettingValues.Choices<ExportFormat>()}", statusCode: StatusCodes.Status400BadRequest);
                if (!queries.Exists(id)) return NotFound(id);
                context.Response.ContentType = SessionExport.ContentType(kind);
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"{SessionExport.FileName(kind, id)}\"";
                await queries.ExportAsync(kind, id, context.Response.Body, context.RequestAborted);
                return Results.Empty;
            })
            .WithSummary("A session as jsonl, transcript (C:/S: text), rawlog (Dovecot's pair, zipped) or pcap (for Wireshark)");

        api.MapGet("/events/stream", async (HttpContext context, LiveFeed feed, StoreQueries queries, string? filter) =>
            {
                var (parsed, error) = StoreQueries.ParseFilter(filter);
                if (error is not null)
                {
                    await FilterProblem(error).ExecuteAsync(context);
                    return;
                }
                await EventStream.Serve(context, feed, queries.LiveEvents(parsed).Matches, context.RequestAborted);
            })
            .WithSummary("Live events as server-sent events, filtered");

        api.MapGet("/filter/help", () => Results.Text(FilterFields.HelpText)).WithSummary("The filter language");

        MessageEndpoints.Map(api);
        ReplayEndpoints.Map(api);
        FaultEndpoints.Map(api);
    }

    private static IResult FilterProblem(FilterError e) => Results.Problem(
        title: "bad filter", detail: e.Message, statusCode: StatusCodes.Status400BadRequest,
        extensions: new Dictionary<string, object?> { ["position"] = e.Position, ["length"] = e.Length });

    internal static IResult NotFound(long id) => Results.Problem($"no session {id}", statusCode: StatusCodes.Status404NotFound);
}
