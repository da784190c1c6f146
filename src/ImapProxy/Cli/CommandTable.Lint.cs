using System.CommandLine;
using ImapProxy.Protocol;
using static ImapProxy.Cli.SharedOptions;
using static ImapProxy.Configuration.SettingValues;

namespace ImapProxy.Cli;

/// <summary><c>lint</c>: the findings engine over a stored session or recorded bytes, for scripts.</summary>
internal static partial class CommandTable
{
    private static Command Lint()
    {
        var target = new Argument<string>("SESSION|FILE")
        {
            Description = "a stored session's id, or with --from the file of one direction's bytes",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var from = Valued("--from", "client|server", "FILE holds one direction's raw bytes (findings that need both sides are not drawn)",
            (text, name) => Choice<Direction>(text, name));
        var rawlog = new Option<string>("--rawlog")
        {
            HelpName = "BASE",
            Description = "a Dovecot rawlog pair BASE.in (client) and BASE.out (server)",
        };
        var command = new Command("lint", "Prints what the findings engine concludes from a session: sizes the server announced against " +
            "what it sent, mailbox state, capabilities, how the session ended. Exit 0 when there is no warning or error, " +
            $"{ExitCodes.Findings} when there is, 1 for unreadable input.")
        {
            target, from, rawlog, Json, Data, Store,
        };
        command.Validators.Add(result =>
        {
            var hasTarget = result.GetValue(target) is not null;
            var hasFrom = result.GetResult(from) is not null;
            var hasRawlog = result.GetResult(rawlog) is not null;
            if (hasRawlog ? hasTarget || hasFrom : !hasTarget)
                result.AddError("expected SESSION, --from client|server FILE or --rawlog BASE");
            else if (!hasFrom && !hasRawlog && !long.TryParse(result.GetValue(target), out _))
                result.AddError($"SESSION must be a session id (a number), not '{result.GetValue(target)}'; for a file, add --from client|server");
        });
        command.SetAction((result, _) =>
        {
            var json = result.GetValue(Json);
            if (result.GetValue(rawlog) is { } baseName) return Task.FromResult(LintVerb.LintRawlog(baseName, json, Output(result), Error(result)));
            if (result.GetResult(from) is not null)
                return Task.FromResult(LintVerb.LintOneDirection(result.GetValue(from), result.GetValue(target)!, json, Output(result), Error(result)));
            return StoreVerbs.LintAsync(StoreOptions(result), long.Parse(result.GetValue(target)!), json, Output(result), Error(result));
        });
        return command;
    }
}
