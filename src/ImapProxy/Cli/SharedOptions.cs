using System.CommandLine;

namespace ImapProxy.Cli;

/// <summary>Options of the command table that several verbs take (a class of their own, so they exist before any verb uses them).</summary>
internal static class SharedOptions
{
    public static readonly Option<string> Data = new("--data")
    {
        HelpName = "DIR",
        Description = $"the SQLite store and the proxy's logs (default ./{Defaults.DataDirectory})",
    };

    public static readonly Option<string> CaDir = new("--ca-dir")
    {
        HelpName = "DIR",
        Description = $"the ImapProxy CA (default ./{Defaults.CaDirectory}; created there when it holds none)",
    };

    public static readonly Option<bool> Json = new("--json") { Description = "print JSON instead of text" };

    public static string DataDirectory(ParseResult result) => Path.GetFullPath(result.GetValue(Data) ?? Defaults.DataDirectory);

    public static string CaDirectory(ParseResult result) => Path.GetFullPath(result.GetValue(CaDir) ?? Defaults.CaDirectory);
}
