namespace ImapProxy.Configuration;

/// <summary>
/// Maps the proxy's command-line switches onto ASP.NET Core configuration keys (section "ImapProxy"), so that
/// appsettings.json, environment variables (ImapProxy__Upstream=...) and switches all set the same settings.
/// </summary>
internal static class CommandLine
{
    public const string Section = "ImapProxy";

    /// <summary>Switches that take a value, and the setting each one sets.</summary>
    private static readonly Dictionary<string, string> Valued = new(StringComparer.Ordinal)
    {
        ["--upstream"] = "Upstream",
        ["--upstream-tls"] = "UpstreamTls",
        ["--client-tls"] = "ClientTls",
        ["--data"] = "Data",
        ["--ca-dir"] = "CaDir",
        ["--upstream-ca"] = "UpstreamCa",
        ["--dashboard"] = "Dashboard",
        ["--idle-timeout"] = "IdleTimeout",
        ["--literal-cap"] = "LiteralCaptureLimit",
        ["--retention-age"] = "RetentionAge",
        ["--retention-size"] = "RetentionSize",
        ["--dashboard-token"] = "DashboardToken",
    };

    /// <summary>Switches that may be repeated; each occurrence adds a list entry.</summary>
    private static readonly Dictionary<string, string> Repeated = new(StringComparer.Ordinal)
    {
        ["--listen"] = "Listen",
        ["--listen-tls"] = "ListenTls",
    };

    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["--upstream-insecure"] = "UpstreamInsecure",
    };

    /// <exception cref="SettingsException">An unknown switch or a switch without its value.</exception>
    public static Dictionary<string, string?> ToSettings(IReadOnlyList<string> args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = Split(args[i]);
            if (Flags.TryGetValue(name, out var flag))
            {
                settings[$"{Section}:{flag}"] = inline ?? "true";
                continue;
            }
            var isRepeated = Repeated.TryGetValue(name, out var list);
            if (!isRepeated && !Valued.TryGetValue(name, out list))
                throw new SettingsException($"unknown option {args[i]} (see imapproxy --help)");
            // The next switch is not a value: "--upstream --data x" lacks the upstream.
            var value = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                ? args[++i]
                : throw new SettingsException($"{name} needs a value"));
            if (isRepeated)
            {
                counts.TryGetValue(list!, out var n);
                settings[$"{Section}:{list}:{n}"] = value;
                counts[list!] = n + 1;
            }
            else
            {
                settings[$"{Section}:{list}"] = value;
            }
        }
        return settings;
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=');
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }
}

/// <summary>A setting the user got wrong; shown as one line, exit code 2.</summary>
internal sealed class SettingsException(string message) : Exception(message);
