using System.CommandLine;
using System.CommandLine.Invocation;
using ImapProxy.Configuration;
using ImapProxy.Queries;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Query;
using static ImapProxy.Cli.SharedOptions;
using static ImapProxy.Configuration.SettingValues;

namespace ImapProxy.Cli;

/// <summary>The store from the command line: <c>sessions</c>, <c>events</c>, <c>export</c>, <c>import</c>.</summary>
internal static partial class CommandTable
{
    private static readonly Option<Filter?> FilterOption = Valued("--filter", "FILTER",
        "only what matches this filter, in the language of the dashboard (--help-filter shows it)", ReadFilter);

    private static readonly Option<bool> HelpFilter = new("--help-filter")
    {
        Description = "show the filter language",
        Action = new FilterHelpAction(),
    };

    private static Command Sessions()
    {
        var limit = Limit(Defaults.SessionsLimit);
        var command = new Command("sessions", "Lists the stored sessions, newest first. Safe while the proxy runs.")
        {
            FilterOption, limit, Json, Data, Store, HelpFilter,
        };
        command.SetAction((result, _) => StoreVerbs.SessionsAsync(StoreOptions(result), result.GetValue(FilterOption),
            result.GetValue(limit) ?? Defaults.SessionsLimit, result.GetValue(Json), Output(result), Error(result)));
        return command;
    }

    private static Command Events()
    {
        var session = SessionArgument();
        var limit = Limit(Defaults.EventsLimit);
        var command = new Command("events", "Lists a session's events in order. Safe while the proxy runs.")
        {
            session, FilterOption, limit, Json, Data, Store, HelpFilter,
        };
        command.SetAction((result, _) => StoreVerbs.EventsAsync(StoreOptions(result), result.GetValue(session), result.GetValue(FilterOption),
            result.GetValue(limit) ?? Defaults.EventsLimit, result.GetValue(Json), Output(result), Error(result)));
        return command;
    }

    private static Command Export()
    {
        var session = SessionArgument();
        var format = Valued("--format", "FORMAT", "jsonl (events as JSON lines), transcript (C:/S: text), rawlog (Dovecot's rawlog pair, " +
            "zipped) or pcap (for Wireshark)", Choice<ExportFormat>);
        format.Required = true;
        var file = new Option<string>("--output", "-o") { HelpName = "FILE", Description = "write to FILE (default: standard output)" };
        var command = new Command("export", "Writes a session in one of the export formats.") { session, format, file, Data, Store };
        command.SetAction((result, _) => StoreVerbs.ExportAsync(StoreOptions(result), result.GetValue(session), result.GetValue(format),
            result.GetValue(file), Error(result)));
        return command;
    }

    private static Command Import()
    {
        var baseName = new Argument<string>("BASE") { Description = "the pair's path without .in/.out" };
        var rawlog = new Command("rawlog", "Turns a Dovecot rawlog pair (BASE.in, BASE.out) into a stored session and prints its id.")
        {
            baseName, Data, Store,
        };
        rawlog.SetAction((result, _) => StoreVerbs.ImportAsync(StoreOptions(result), result.GetValue(baseName)!, Output(result), Error(result)));
        return new Command("import", "Imports recordings made elsewhere as sessions.") { rawlog };
    }

    private static Option<int?> Limit(int fallback) =>
        Valued<int?>("--limit", "N", $"at most N rows (default {fallback})",
            (text, name) => int.TryParse(text, out var n) && n > 0 ? n : throw new SettingsException($"{name} needs a positive number, not '{text}'"));

    private static Argument<long> SessionArgument() => Positional("SESSION", "the session's id, as sessions lists it", SessionId);

    // Through the query edge's parser: a mistake is found where the API and the dashboard find it, and an empty
    // filter means none there as here.
    private static Filter? ReadFilter(string text, string name) =>
        StoreQueries.ParseFilter(text) is (var filter, var error) && error is null
            ? filter
            : throw new SettingsException($"{name}: bad filter at position {error!.Position}: {error.Message}");

    /// <summary>--help-filter answers like --help: whatever else is on the line.</summary>
    private sealed class FilterHelpAction : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            Output(parseResult).WriteLine(FilterFields.HelpText);
            return ExitCodes.Ok;
        }
    }
}
