using System.CommandLine;
using ImapProxy.Configuration;
using ImapProxy.Storage;

namespace ImapProxy.Cli;

/// <summary>Options of the command table that several verbs take (a class of their own, so they exist before any verb uses them).</summary>
internal static class SharedOptions
{
    public static readonly Option<string> Data = new("--data")
    {
        HelpName = "DIR",
        Description = $"the SQLite store and the proxy's logs (default ./{Defaults.DataDirectory})",
    };

    public static readonly Option<StoreLocation> Store = new("--store")
    {
        HelpName = "URL",
        Description = $"the event store: sqlite:PATH (default sqlite:DATA/imapproxy.db), postgresql://USER@HOST:PORT/DATABASE, or a " +
            "connection string (Host=...;Username=...;Database=...); the password from the URL, PGPASSWORD or a password file (~/.pgpass)",
        CustomParser = result =>
        {
            try
            {
                return SettingValues.StoreUrl(result.Tokens[^1].Value, "--store");
            }
            catch (SettingsException e)
            {
                result.AddError(e.Message);
                return null;
            }
        },
    };

    public static readonly Option<string> CaDir = new("--ca-dir")
    {
        HelpName = "DIR",
        Description = $"the ImapProxy CA (default ./{Defaults.CaDirectory}; created there when it holds none)",
    };

    public static readonly Option<bool> Json = new("--json") { Description = "print JSON instead of text" };

    public static string DataDirectory(ParseResult result) => Path.GetFullPath(result.GetValue(Data) ?? Defaults.DataDirectory);

    /// <summary>The store a verb reads: --store, else the SQLite file in --data.</summary>
    public static StorageOptions StoreOptions(ParseResult result) => new() { DataDirectory = DataDirectory(result), Store = result.GetValue(Store) };

    public static string CaDirectory(ParseResult result) => Path.GetFullPath(result.GetValue(CaDir) ?? Defaults.CaDirectory);
}
