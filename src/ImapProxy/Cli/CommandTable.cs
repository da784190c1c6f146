using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using ImapProxy.Configuration;

namespace ImapProxy.Cli;

/// <summary>
/// Every verb of imapproxy with its options, their help and their defaults, declared once: System.CommandLine parses
/// the command line by this table and writes each verb's --help from it. The verbs' work is in the *Verb(s) classes.
/// </summary>
internal static partial class CommandTable
{
    // Built on first use, after every option of every part of this class exists.
    private static readonly Lazy<RootCommand> root = new(BuildRoot);

    public static RootCommand Root => root.Value;

    /// <summary>Runs one command line; what the user got wrong is one line and exit code 2 (<see cref="UsageError"/>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        // Arguments are taken as typed: a file named @list is a file, not a list of more arguments.
        var result = Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        // --help and --version answer even on a command line with mistakes.
        if (result.Action is not CommandLineAction { ClearsParseErrors: true } && UsageError.Describe(result) is { } message)
            return UsageError.Write(error, result.CommandResult, message);
        try
        {
            // The proxy and serve-capture stop on SIGINT/SIGTERM by themselves, tidily: System.CommandLine keeps out of it.
            // A settings mistake found while running comes here to be told like any other, not as a stack trace.
            return await result.InvokeAsync(new InvocationConfiguration
            {
                Output = output, Error = error, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false,
            });
        }
        catch (SettingsException e)
        {
            return UsageError.Write(error, result.CommandResult, e.Message);
        }
    }

    private static RootCommand BuildRoot()
    {
        var root = new RootCommand($"""
            imapproxy - an IMAP debugging proxy: relays a mail client to an IMAP server, captures and parses every
            session, and shows it on a dashboard.

            Without a command (or with run) it runs the proxy. Its options can also be set in appsettings.json under
            "{ProxySettings.Section}" and as environment variables, e.g. {ProxySettings.Section}__Upstream=imap.example.com:993; the
            command line wins. Each command has its own --help.

            {ExitCodes.Help}
            """);
        AddProxyRun(root);
        var run = new Command("run", "Runs the proxy (the same as no command).");
        AddProxyRun(run);
        root.Subcommands.Add(run);
        root.Subcommands.Add(Ca());
        root.Subcommands.Add(Parse());
        root.Subcommands.Add(Sessions());
        root.Subcommands.Add(Events());
        root.Subcommands.Add(Export());
        root.Subcommands.Add(Import());
        root.Subcommands.Add(Lint());
        root.Subcommands.Add(Compare());
        root.Subcommands.Add(Replay());
        root.Subcommands.Add(ServeCapture());
        // "imapproxy help" worked before --help did; it stays, out of the listing.
        var help = new Command("help", "Shows this help.") { Hidden = true };
        help.SetAction(result => Root.Parse("--help").Invoke(result.InvocationConfiguration));
        root.Subcommands.Add(help);
        UsageError.RefuseOptionsAsValues(root);
        // Help is read in terminals and in this repository's README: lines of a readable length, also when redirected.
        foreach (var action in root.Options.Select(o => o.Action).OfType<HelpAction>()) action.MaxWidth = 110;
        return root;
    }

    private static TextWriter Output(ParseResult result) => result.InvocationConfiguration.Output;

    private static TextWriter Error(ParseResult result) => result.InvocationConfiguration.Error;

    // ---- typed values, read by the same functions as the configuration's, so both refuse alike ----

    /// <summary>An option whose value <paramref name="read"/> turns into a <typeparamref name="T"/> or refuses in words.</summary>
    private static Option<T> Valued<T>(string name, string helpName, string description, Func<string, string, T> read) => new(name)
    {
        HelpName = helpName,
        Description = description,
        CustomParser = result => Read(result, tokens => read(tokens[^1], name)),
    };

    private static Argument<T> Positional<T>(string helpName, string description, Func<string, string, T> read) => new(helpName)
    {
        HelpName = helpName,
        Description = description,
        CustomParser = result => Read(result, tokens => read(tokens[^1], helpName)),
    };

    private static T? Read<T>(ArgumentResult result, Func<IReadOnlyList<string>, T> read)
    {
        if (result.Tokens.Count == 0) return default;
        try
        {
            return read(result.Tokens.Select(t => t.Value).ToList());
        }
        catch (SettingsException e)
        {
            result.AddError(e.Message);
            return default;
        }
    }

    private static long SessionId(string text, string name) =>
        long.TryParse(text, out var id) && id > 0 ? id : throw new SettingsException($"{name}: '{text}' is not a session id such as 42");

    private static string OneOf(string text, string name, params string[] choices) =>
        choices.Contains(text, StringComparer.OrdinalIgnoreCase)
            ? text.ToLowerInvariant()
            : throw new SettingsException($"{name}: '{text}' is not one of {string.Join("|", choices)}");
}
