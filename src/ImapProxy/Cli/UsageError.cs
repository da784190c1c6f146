using System.CommandLine;
using System.CommandLine.Parsing;

namespace ImapProxy.Cli;

/// <summary>
/// The one way imapproxy tells a user they typed something wrong: one line that names the bad option or value and
/// points at the verb's --help, and exit code 2.
/// </summary>
internal static class UsageError
{
    public static int Write(TextWriter error, CommandResult command, string message)
    {
        var verb = string.Join(' ', Verbs(command).Prepend("imapproxy"));
        error.WriteLine($"{verb}: {message} (see {verb} --help)");
        return ExitCodes.Usage;
    }

    /// <summary>What is wrong with a command line, in the words of imapproxy's own errors; null when nothing is.</summary>
    public static string? Describe(ParseResult result)
    {
        // A bad value first: "--upstream --data x" is a missing upstream before it is a stray x.
        if (result.Errors.FirstOrDefault(e => e.SymbolResult is OptionResult or ArgumentResult) is { } valueError)
            return Describe(valueError);
        if (result.UnmatchedTokens.FirstOrDefault() is { } unmatched)
            return unmatched.StartsWith('-') ? $"unknown option {unmatched}" : $"unexpected argument {unmatched}";
        return result.Errors.FirstOrDefault() is { } error ? Describe(error) : null;
    }

    /// <summary>Makes every option that takes a value refuse another option as its value, as a user means it.</summary>
    public static void RefuseOptionsAsValues(Command command, HashSet<Option>? done = null)
    {
        done ??= [];
        foreach (var option in command.Options.Where(o => o.Arity.MaximumNumberOfValues > 0 && o.ValueType != typeof(bool) && done.Add(o)))
        {
            option.Validators.Add(result =>
            {
                if (result.Tokens.Any(t => t.Value.StartsWith("--", StringComparison.Ordinal))) result.AddError($"{option.Name} needs a value");
            });
        }
        foreach (var subcommand in command.Subcommands) RefuseOptionsAsValues(subcommand, done);
    }

    private static string Describe(ParseError error) => error.SymbolResult switch
    {
        OptionResult { Tokens.Count: 0 } option when option.Option.Required && option.IdentifierToken is null => $"{option.Option.Name} is required",
        OptionResult { Tokens.Count: 0 } option when option.Option.Arity.MinimumNumberOfValues > 0 => $"{option.Option.Name} needs a value",
        OptionResult option when option.Tokens.Count > option.Option.Arity.MaximumNumberOfValues => $"{option.Option.Name} is given more than once",
        ArgumentResult { Tokens.Count: 0 } argument => $"{argument.Argument.HelpName ?? argument.Argument.Name} is missing",
        CommandResult { Command: { Action: null, Subcommands.Count: > 0 } command } =>
            $"expected {string.Join(" or ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}",
        _ => error.Message,
    };

    /// <summary>The verbs on the way to a command: "import rawlog"; none for the root.</summary>
    private static IEnumerable<string> Verbs(CommandResult command) =>
        command.Parent is CommandResult parent ? Verbs(parent).Append(command.Command.Name) : [];
}
