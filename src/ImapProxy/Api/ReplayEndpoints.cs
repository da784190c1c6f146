using ImapProxy.Replay;
using ImapProxy.Replay.Client;
using ImapProxy.Replays;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Api;

/// <summary>Replays over HTTP: the eligibility check, a client replay with its diff, and served captures.</summary>
internal static class ReplayEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/sessions/{id:long}/replay", (ReplayService replays, SqliteEventStore store, long id) =>
            {
                if (store.GetSession(id) is null) return ApiEndpoints.NotFound(id);
                var verdict = replays.Check(id);
                return Results.Ok(new ReplayCheckResult(verdict.ClientReplay, verdict.ServerReplay, verdict.MailboxChanges));
            })
            .WithSummary("Whether the session can be replayed each way, and why not (null when it can)").Produces<ReplayCheckResult>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/sessions/{id:long}/replay", async (ReplayService replays, SqliteEventStore store, long id, ReplayRequest request, CancellationToken ct) =>
            {
                if (store.GetSession(id) is null) return ApiEndpoints.NotFound(id);
                try
                {
                    return Results.Ok(await replays.ReplayAsync(id, request, ct));
                }
                catch (ReplayException e)
                {
                    return Results.Problem(title: "cannot replay", detail: e.Message, statusCode: StatusCodes.Status400BadRequest);
                }
            })
            .WithSummary("Sends the session's commands to a server and compares the answers (the password is used once, never stored)")
            .Produces<ClientReplayResult>().ProducesProblem(StatusCodes.Status400BadRequest);

        // The body is required, if only {}: a page on another site can send a POST without one (or as text/plain) with
        // no CORS preflight, but never a JSON one.
        api.MapPost("/sessions/{id:long}/serve", (ReplayService replays, SqliteEventStore store, long id, ServeRequest request) =>
            {
                if (store.GetSession(id) is null) return ApiEndpoints.NotFound(id);
                try
                {
                    var served = replays.Serve(id, request);
                    return Results.Created($"/api/serves/{served.Id}", served);
                }
                catch (ReplayException e)
                {
                    return Results.Problem(title: "cannot serve", detail: e.Message, statusCode: StatusCodes.Status400BadRequest);
                }
            })
            .WithSummary("Plays the session's server side to clients that connect to the returned address, until stopped")
            .Produces<ServedCapture>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/serves", (ReplayService replays) => Results.Ok(replays.Serving))
            .WithSummary("Captures being served").Produces<IReadOnlyList<ServedCapture>>();

        api.MapDelete("/serves/{id:int}", async (ReplayService replays, int id) =>
                await replays.StopAsync(id) ? Results.NoContent() : Results.Problem($"no served capture {id}", statusCode: StatusCodes.Status404NotFound))
            .WithSummary("Stops serving a capture").ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <param name="MailboxChanges">The commands a client replay would change the server's mailboxes with (null: none); readOnly skips them.</param>
    public sealed record ReplayCheckResult(string? ClientReplay, string? ServerReplay, string? MailboxChanges);
}
