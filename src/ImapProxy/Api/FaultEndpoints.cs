using ImapProxy.Faults;

namespace ImapProxy.Api;

/// <summary>Fault rules at run time: list, add (a bad rule is a 400 naming the character), remove.</summary>
internal static class FaultEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/faults", (FaultRules rules) => Results.Ok(rules.List()))
            .WithSummary("Fault rules in force, with how often each fired").Produces<IReadOnlyList<FaultView>>();

        // A JSON body only, like every POST of the API: a page on another site cannot send one without a CORS preflight.
        api.MapPost("/faults", (FaultRules rules, FaultRequest request) =>
            {
                try
                {
                    var added = rules.Add(request.Rule ?? "");
                    return Results.Created($"/api/faults/{added.Id}", added);
                }
                catch (FaultRuleException e)
                {
                    return Results.Problem(title: "bad fault rule", detail: e.Message, statusCode: StatusCodes.Status400BadRequest,
                        extensions: new Dictionary<string, object?> { ["position"] = e.Position });
                }
            })
            .WithSummary("Adds a rule, \"FILTER => ACTION\"; it applies to sessions that open from now on")
            .Produces<FaultView>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapDelete("/faults/{id:int}", (FaultRules rules, int id) =>
                rules.Remove(id) ? Results.NoContent() : Results.Problem($"no fault rule {id}", statusCode: StatusCodes.Status404NotFound))
            .WithSummary("Removes a rule; it stops firing at once").ProducesProblem(StatusCodes.Status404NotFound);
    }
}
