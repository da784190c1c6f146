using System.CommandLine;
using ImapProxy.Protocol;
using static ImapProxy.Configuration.SettingValues;

namespace ImapProxy.Cli;

/// <summary><c>parse</c>: recorded bytes parsed offline.</summary>
internal static partial class CommandTable
{
    private static Command Parse()
    {
        var from = Valued("--from", "client|server", "FILE holds one direction's raw bytes; the other side's answers are assumed",
            (text, name) => Choice<Direction>(text, name));
        var file = new Argument<string>("FILE") { Description = "the bytes of --from", Arity = ArgumentArity.ZeroOrOne };
        var rawlog = new Option<string>("--rawlog")
        {
            HelpName = "BASE",
            Description = "a Dovecot rawlog pair BASE.in (client) and BASE.out (server), with or without rawlog timestamps",
        };
        var command = new Command("parse", "Parses recorded IMAP bytes and prints one JSON object per frame (direction, offset, length, kind, " +
            "tag, command or status, parsed fields, diagnostics). Malformed frames are data (exit 0); unreadable input exits 1.")
        {
            file, from, rawlog,
        };
        command.Validators.Add(result =>
        {
            var hasFrom = result.GetResult(from) is not null;
            var hasFile = result.GetValue(file) is not null;
            var hasRawlog = result.GetResult(rawlog) is not null;
            // Exactly one form: --from with its FILE, or --rawlog alone.
            if (hasFrom != hasFile || (hasFrom && hasFile) == hasRawlog) result.AddError("expected --from client|server FILE or --rawlog BASE");
        });
        command.SetAction(result => result.GetValue(rawlog) is { } baseName
            ? ParseVerb.ParseRawlog(baseName, Output(result), Error(result))
            : ParseVerb.ParseOneDirection(result.GetValue(from), result.GetValue(file)!, Output(result), Error(result)));
        return command;
    }
}
