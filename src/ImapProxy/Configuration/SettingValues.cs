using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ImapProxy.Capture;
using ImapProxy.Storage;

namespace ImapProxy.Configuration;

/// <summary>
/// Reads one setting's text, from the command line or the configuration alike, so both refuse the same values with
/// the same words. Each error names the option, as the user would type it.
/// </summary>
internal static class SettingValues
{
    public static UpstreamEndpoint Upstream(string text, string option)
    {
        var (host, port) = HostAndPort(text, option);
        return new UpstreamEndpoint(host, port);
    }

    /// <summary>ADDR:PORT of a listener; localhost is 127.0.0.1.</summary>
    public static IPEndPoint EndPoint(string text, string option)
    {
        var (host, port) = HostAndPort(text, option);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return new IPEndPoint(IPAddress.Loopback, port);
        return IPAddress.TryParse(host, out var address)
            ? new IPEndPoint(address, port)
            : throw new SettingsException($"{option}: '{host}' is not an IP address (e.g. 127.0.0.1:1143 or 0.0.0.0:1143)");
    }

    /// <summary>Which store (<see cref="StoreLocation.Parse"/>); the error never repeats a password.</summary>
    public static StoreLocation StoreUrl(string text, string option)
    {
        try
        {
            return StoreLocation.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new SettingsException($"{option}: {e.Message}");
        }
    }

    public static string Instance(string text, string option) =>
        InstanceName.IsValid(text) ? text : throw new SettingsException($"{option}: '{(text.Length > 80 ? text[..80] + "…" : text)}' is not a name: {InstanceName.Rule["--instance: ".Length..]}");

    /// <summary>The values of a list setting: one value (an environment variable, a JSON string) may list several, comma-separated.</summary>
    public static string[] Items(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// A name the dashboard answers to, as a browser writes it in Host: imapproxy.lan, 192.168.1.20 or [fe80::1]; no
    /// scheme, no port.
    /// </summary>
    public static string HostName(string text, string option)
    {
        if (IPAddress.TryParse(text.Trim('[', ']'), out var address))
            return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return Uri.CheckHostName(text) == UriHostNameType.Dns
            ? text
            : throw new SettingsException($"{option}: '{text}' is not a host name such as imapproxy.lan (without scheme or port)");
    }

    public static T Choice<T>(string text, string option) where T : struct, Enum =>
        TryChoice<T>(text, out var value) ? value : throw new SettingsException($"{option}: '{text}' is not one of {Choices<T>()}");

    /// <summary>An enum's member by its name in any case (starttls, jsonl); never by the enum's numbers.</summary>
    public static bool TryChoice<T>(string? text, out T value) where T : struct, Enum
    {
        // By exact name only: Enum.TryParse would also take numbers, spaces and "a,b" (two flags or'ed together).
        var name = Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        value = name is null ? default : Enum.Parse<T>(name);
        return name is not null;
    }

    public static string Choices<T>() where T : struct, Enum => string.Join("|", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));

    public static bool Bool(string text, string option) =>
        bool.TryParse(text, out var b) ? b : throw new SettingsException($"{option}: '{text}' is not true or false");

    public static Uri HttpUrl(string text, string option) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
            ? uri
            : throw new SettingsException($"{option}: '{text}' is not an http:// URL such as {Cli.Defaults.Dashboard}");

    /// <summary>A positive duration in the one grammar of <see cref="Units"/>: "90s", "30m", "2h", "1d", "00:30:00".</summary>
    public static TimeSpan Duration(string text, string option) =>
        // A bare number is days: TimeSpan reads "30" so, and options took TimeSpans before they took units.
        Units.Seconds(text, bareNumberSeconds: 86_400) is { } seconds && seconds > 0 && seconds < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new SettingsException($"{option}: '{text}' is not a duration such as 90s, 30m or 2h");

    /// <summary>Bytes in the one grammar of <see cref="Units"/>: "16MiB", "512KiB", "1GB" or a number of bytes.</summary>
    public static long Size(string text, string option) =>
        Units.Bytes(text) is { } bytes && bytes < long.MaxValue
            ? (long)Math.Round(bytes)
            : throw new SettingsException($"{option}: '{text}' is not a size such as 16MiB");

    /// <summary>A whole number from 1 up, as counts of sessions are.</summary>
    public static int Count(string text, string option) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n
            : throw new SettingsException($"{option}: '{text}' is not a whole number of 1 or more");

    /// <summary>A limit that "0" or "none" turns off (null).</summary>
    public static T? LimitOrOff<T>(string text, Func<string, string, T> read, string option) where T : struct =>
        text is "0" || text.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : read(text, option);

    private static (string Host, int Port) HostAndPort(string text, string option)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) throw new SettingsException($"{option}: expected HOST:PORT, got '{text}'");
        var host = text[..colon].Trim('[', ']');
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
            throw new SettingsException($"{option}: '{text[(colon + 1)..]}' is not a port number (0-65535)");
        return (host, port);
    }
}
