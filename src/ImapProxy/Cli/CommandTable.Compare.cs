using System.CommandLine;
using static ImapProxy.Cli.SharedOptions;

namespace ImapProxy.Cli;

/// <summary><c>compare</c>: two stored sessions side by side.</summary>
internal static partial class CommandTable
{
    private static Command Compare()
    {
        var first = Positional("FIRST", "a session's id (say, the phone's failing one)", SessionId);
        var second = Positional("SECOND", "another session's id (say, a desktop client's working one)", SessionId);
        var all = new Option<bool>("--all") { Description = "also list the steps that are the same" };
        var strict = new Option<bool>("--strict") { Description = "also compare what differs between two equal servers (UIDs, texts, continuations)" };
        var command = new Command("compare", "Shows where two stored conversations diverge: commands paired in order, their answers compared " +
            $"field by field, and the findings only one has. Exit {ExitCodes.Differences} when they differ.")
        {
            first, second, all, strict, Json, Data, Store,
        };
        command.SetAction((result, _) => StoreVerbs.CompareAsync(StoreOptions(result), result.GetValue(first), result.GetValue(second),
            result.GetValue(all), result.GetValue(strict), result.GetValue(Json), Output(result), Error(result)));
        return command;
    }
}
