using System.CommandLine;
using static ImapProxy.Cli.SharedOptions;

namespace ImapProxy.Cli;

/// <summary><c>ca</c>: the ImapProxy CA, and exports of its certificate.</summary>
internal static partial class CommandTable
{
    private static Command Ca()
    {
        var export = new Option<string>("--export") { HelpName = "FILE", Description = "also write the CA certificate to FILE (PEM; DER with --der)" };
        var der = new Option<bool>("--der") { Description = "export DER, as phones take it (with --export)" };
        var command = new Command("ca", "Shows the ImapProxy CA: its certificate files, fingerprint and how to trust it. When --ca-dir holds " +
            "no CA yet, creates one there first (as the proxy would on its first run).")
        {
            CaDir, export, der,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(der) is not null && result.GetResult(export) is null) result.AddError("--der goes with --export FILE");
        });
        command.SetAction(result => CaVerb.Run(CaDirectory(result), result.GetValue(export), result.GetValue(der), Output(result), Error(result)));
        return command;
    }
}
