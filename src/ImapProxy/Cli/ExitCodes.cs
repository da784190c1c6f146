namespace ImapProxy.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Input that could not be read (missing file, permissions).</summary>
    public const int Unreadable = 1;

    /// <summary>Bad command line or configuration, or a port that cannot be used.</summary>
    public const int Usage = 2;
}
