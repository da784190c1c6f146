using System.Text.Json;
using ImapProxy.Dashboard.Live;
using ImapProxy.Protocol;
using ImapProxy.Storage;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Sqlite;

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

        api.MapGet("/sessions", (QueryService queries, string? filter, int? limit, long? before) =>
                WithFilter(filter, f =>
                {
                    var page = queries.Sessions(f, limit ?? DefaultPage, before);
                    return Results.Ok(new SessionPage(page.Rows, page.Next));
                }))
            .WithSummary("Sessions matching a filter, newest first").WithDescription(FilterFields.HelpText)
            .Produces<SessionPage>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/sessions/{id:long}", (SqliteEventStore store, long id) =>
                store.GetSession(id) is { } session ? Results.Ok(session) : NotFound(id))
            .WithSummary("One session's summary").Produces<SessionRow>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/sessions/{id:long}/events", (SqliteEventStore store, QueryService queries, long id, string? filter, int? limit, long? after) =>
                store.GetSession(id) is null ? NotFound(id) : WithFilter(filter, f =>
                {
                    var page = queries.Events(id, f, limit ?? DefaultPage, after);
                    return Results.Ok(new EventPage(page.Rows.Select(ApiEvent.From).ToList(), page.Next));
                }))
            .WithSummary("A session's events matching a filter, in order").Produces<EventPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/sessions/{id:long}/raw", (SqliteEventStore store, long id, string? dir) =>
            {
                if (dir is not ("client" or "server"))
                    return Results.Problem("dir must be client or server", statusCode: StatusCodes.Status400BadRequest);
                if (store.GetSession(id) is null) return NotFound(id);
                // Exact bytes as stored (secrets are '*'); where literals were cut, the rest follows without the cut part.
                var segments = store.GetRawSegments(id, dir == "client" ? Direction.Client : Direction.Server);
                return Results.Bytes(segments.SelectMany(s => s.Data).ToArray(), "application/octet-stream", $"session-{id}-{dir}.bin");
            })
            .WithSummary("The exact bytes one direction sent").Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");

        api.MapGet("/sessions/{id:long}/export", async (SqliteEventStore store, HttpContext context, long id, string? format) =>
            {
                if (!Enum.TryParse<ExportFormat>(format ?? "", ignoreCase: true, out var kind) || int.TryParse(format, out _))
                    return Results.Problem("format must be jsonl, transcript, rawlog or pcap", statusCode: StatusCodes.Status400BadRequest);
                if (store.GetSession(id) is null) return NotFound(id);
                context.Response.ContentType = SessionExport.ContentType(kind);
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"{SessionExport.FileName(kind, id)}\"";
                await SessionExport.WriteAsync(kind, store, id, context.Response.Body, context.RequestAborted);
                return Results.Empty;
            })
            .WithSummary("A session as jsonl, transcript (C:/S: text), rawlog (Dovecot's pair, zipped) or pcap (for Wireshark)");

        api.MapGet("/events/stream", async (HttpContext context, LiveFeed feed, QueryService queries, SqliteEventStore store, string? filter) =>
            {
                Filter? parsed;
                try
                {
                    parsed = Filter.ParseOrNull(filter);
                }
                catch (FilterException e)
                {
                    await FilterProblem(e).ExecuteAsync(context);
                    return;
                }
                var sessions = new Dictionary<long, SessionRow?>();
                bool Matches(EventRow e)
                {
                    if (parsed is null) return true;
                    // Session fields come from the store (the writer is a moment behind); a session it has not
                    // written yet matches on event fields only.
                    if (!sessions.TryGetValue(e.SessionId, out var session) || e.Kind == "state") sessions[e.SessionId] = session = store.GetSession(e.SessionId);
                    return parsed.MatchesEvent(session ?? Placeholder(e.SessionId), e, queries.Context);
                }
                await EventStream.Serve(context, feed, Matches, context.RequestAborted);
            })
            .WithSummary("Live events as server-sent events, filtered");

        api.MapGet("/filter/help", () => Results.Text(FilterFields.HelpText)).WithSummary("The filter language");

        ReplayEndpoints.Map(api);
    }

    private static IResult WithFilter(string? text, Func<Filter?, IResult> run)
    {
        try
        {
            return run(Filter.ParseOrNull(text));
        }
        catch (FilterException e)
        {
            return FilterProblem(e);
        }
    }

    private static IResult FilterProblem(FilterException e) => Results.Problem(
        title: "bad filter", detail: e.Message, statusCode: StatusCodes.Status400BadRequest,
        extensions: new Dictionary<string, object?> { ["position"] = e.Position, ["length"] = e.Length });

    internal static IResult NotFound(long id) => Results.Problem($"no session {id}", statusCode: StatusCodes.Status404NotFound);

    private static SessionRow Placeholder(long id) => new(id, DateTimeOffset.MinValue, null, null, null, null, null, null, null, false,
        null, null, null, null, null, null, null, null, null, 0, 0, 0, 0, 0, false);

    public sealed record SessionPage(IReadOnlyList<SessionRow> Sessions, long? Next);

    public sealed record EventPage(IReadOnlyList<ApiEvent> Events, long? Next);

    /// <summary>An event as the API returns it: the row's columns and the whole event as JSON.</summary>
    public sealed record ApiEvent(long Sequence, DateTimeOffset Time, string Source, string Type, string? Kind, string? Tag, string? Name,
        string? Status, double? LatencyMs, JsonElement Event)
    {
        public static ApiEvent From(EventRow e) => new(e.Sequence, e.Time, e.Source, e.Type, e.Kind, e.Tag, e.Name, e.Status,
            e.Latency?.TotalMilliseconds, JsonDocument.Parse(e.Json, FrameJson.DocumentOptions).RootElement.Clone());
    }
}
