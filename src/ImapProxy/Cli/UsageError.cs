using System.CommandLine;
using System.CommandLine.Parsing;

namespace ImapProxy.Cli;

/// <summary>
/// The one way imapproxy tells a user they typed something wrong: one line that names the bad option or value and
/// points at the verb's --help, and exit code 2.
/// </summary>
internal static class UsageError
{
    public static int Write(TextWriter error, Command command, string message)
    {
        var verb = command is RootCommand ? "imapproxy" : $"imapproxy {command.Name}";
        error.WriteLine($"{verb}: {message} (see {verb} --help)");
        return ExitCodes.Usage;
    }

    /// <summary>What is wrong with a command line, in the words of imapproxy's own errors; null when nothing is.</summary>
    public static string? Describe(ParseResult result)
    {
        if (result.UnmatchedTokens.FirstOrDefault() is { } unmatched)
            return unmatched.StartsWith('-') ? $"unknown option {unmatched}" : $"unexpected argument {unmatched}";
        return result.Errors.FirstOrDefault() is not { } first ? null : first.SymbolResult switch
        {
            OptionResult { Tokens.Count: 0 } option when !option.Implicit && option.Option.Arity.MinimumNumberOfValues > 0 => $"{option.Option.Name} needs a value",
            CommandResult command when MissingOption(command) is { } option => $"{option.Name} is required",
            CommandResult command when MissingArgument(command) is { } argument => $"{argument.HelpName} is missing",
            _ => first.Message,
        };
    }

    private static Option? MissingOption(CommandResult command) =>
        command.Command.Options.FirstOrDefault(o => o.Required && command.GetResult(o) is null);

    private static Argument? MissingArgument(CommandResult command) =>
        command.Command.Arguments.FirstOrDefault(a => a.Arity.MinimumNumberOfValues > 0 && command.GetResult(a) is not { Tokens.Count: > 0 });
}
