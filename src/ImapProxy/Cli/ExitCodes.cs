namespace ImapProxy.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Input that could not be read (missing file, permissions).</summary>
    public const int Unreadable = 1;

    /// <summary>Bad command line or configuration, or a port that cannot be used.</summary>
    public const int Usage = 2;

    /// <summary>A replay with --exit-code whose answers differ from the captured ones.</summary>
    public const int Differences = 3;

    /// <summary>lint found a warning or an error.</summary>
    public const int Findings = 4;

    /// <summary>The line --help prints about them.</summary>
    public const string Help = "Exit codes: 0 ok, 1 unreadable input, 2 bad option or unusable port, 3 replay answers differ (--exit-code), 4 lint found warnings or errors.";
}
