namespace ImapProxy.Storage;

/// <summary>The name of a proxy instance (<c>--instance</c>): shown in lists, typed in filters (<c>instance:</c>).</summary>
public static class InstanceName
{
    public const int MaxLength = 64;

    public const string Rule = "--instance: 1 to 64 letters, digits, dots, dashes or underscores";

    /// <summary>The default: the machine's host name, where it is a valid name.</summary>
    public static string Default => IsValid(Environment.MachineName) ? Environment.MachineName : "imapproxy";

    public static bool IsValid(string name) =>
        name.Length is > 0 and <= MaxLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');
}
