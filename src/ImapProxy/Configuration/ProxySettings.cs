using System.Globalization;
using System.Net;
using ImapProxy.Capture;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Retention;
using Microsoft.Extensions.Configuration;

namespace ImapProxy.Configuration;

/// <summary>Everything the proxy needs to start, read from configuration and validated at start-up.</summary>
internal sealed record ProxySettings(ProxyOptions Proxy, string DataDirectory, string CaDirectory, Uri Dashboard,
    RetentionOptions Retention, string? DashboardToken)
{
    public const string DefaultDashboard = "http://127.0.0.1:5143";

    /// <exception cref="SettingsException">A missing or bad value, in words.</exception>
    public static ProxySettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(CommandLine.Section);
        var upstream = section["Upstream"] is { Length: > 0 } text
            ? ParseUpstream(text)
            : throw new SettingsException("--upstream HOST:PORT is required (the IMAP server to relay to)");

        // Naming either kind of listener replaces both defaults: only the listeners named are opened.
        var listen = EndPoints(section, "Listen");
        var listenTls = EndPoints(section, "ListenTls");
        var defaults = new ProxyOptions { Upstream = upstream };
        var named = listen.Count > 0 || listenTls.Count > 0;

        var options = defaults with
        {
            UpstreamTls = Choice(section["UpstreamTls"], "--upstream-tls", UpstreamTlsMode.Auto),
            ClientTls = Choice(section["ClientTls"], "--client-tls", ClientTlsMode.Mirror),
            Listen = named ? listen : defaults.Listen,
            ListenTls = named ? listenTls : defaults.ListenTls,
            UpstreamCaFile = section["UpstreamCa"] is { Length: > 0 } ca ? Path.GetFullPath(ca) : null,
            UpstreamInsecure = Bool(section["UpstreamInsecure"], "--upstream-insecure"),
            IdleTimeout = section["IdleTimeout"] is { Length: > 0 } idle ? Duration(idle, "--idle-timeout") : null,
            LiteralCaptureLimit = section["LiteralCaptureLimit"] is { Length: > 0 } cap ? Size(cap, "--literal-cap") : defaults.LiteralCaptureLimit,
        };
        if (options.Listen.Count + options.ListenTls.Count == 0) throw new SettingsException("no listener: name at least one --listen or --listen-tls");
        if (options.UpstreamCaFile is { } file && !File.Exists(file)) throw new SettingsException($"--upstream-ca: no such file {file}");

        var dashboard = section["Dashboard"] is { Length: > 0 } url ? url : DefaultDashboard;
        if (!Uri.TryCreate(dashboard, UriKind.Absolute, out var dashboardUri) || dashboardUri.Scheme != Uri.UriSchemeHttp)
            throw new SettingsException($"--dashboard: '{dashboard}' is not an http:// URL such as {DefaultDashboard}");

        // "0" or "none" turns a retention limit off.
        var retention = new RetentionOptions(
            section["RetentionAge"] is { Length: > 0 } age && !IsOff(age) ? Duration(age, "--retention-age") : null,
            section["RetentionSize"] is { Length: > 0 } size ? IsOff(size) ? null : Size(size, "--retention-size") : RetentionOptions.DefaultMaxSize);

        return new ProxySettings(options,
            Path.GetFullPath(section["Data"] is { Length: > 0 } data ? data : "data"),
            Path.GetFullPath(section["CaDir"] is { Length: > 0 } caDir ? caDir : "certs"),
            dashboardUri, retention,
            section["DashboardToken"] is { Length: > 0 } token ? token : null);
    }

    private static bool IsOff(string text) => text is "0" || text.Equals("none", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the dashboard listens on loopback only, where no access token is needed.</summary>
    public bool DashboardOnLoopback =>
        Dashboard.IsLoopback || (System.Net.IPAddress.TryParse(Dashboard.Host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));

    public static UpstreamEndpoint ParseUpstream(string text)
    {
        var (host, port) = HostAndPort(text, "--upstream");
        return new UpstreamEndpoint(host, port);
    }

    private static List<IPEndPoint> EndPoints(IConfigurationSection section, string key)
    {
        var values = section.GetSection(key).GetChildren().Select(c => c.Value).ToList();
        // A single value (environment variable, JSON string) may list several, comma-separated.
        if (section[key] is { } single) values.Add(single);
        var name = key == "Listen" ? "--listen" : "--listen-tls";
        return values.Where(v => !string.IsNullOrWhiteSpace(v))
            .SelectMany(v => v!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(v => EndPoint(v, name)).ToList();
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

    private static (string Host, int Port) HostAndPort(string text, string option)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) throw new SettingsException($"{option}: expected HOST:PORT, got '{text}'");
        var host = text[..colon].Trim('[', ']');
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
            throw new SettingsException($"{option}: '{text[(colon + 1)..]}' is not a port number (0-65535)");
        return (host, port);
    }

    private static T Choice<T>(string? text, string option, T fallback) where T : struct, Enum
    {
        if (string.IsNullOrEmpty(text)) return fallback;
        if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _)) return value;
        var names = string.Join("|", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));
        throw new SettingsException($"{option}: '{text}' is not one of {names}");
    }

    private static bool Bool(string? text, string option) => text switch
    {
        null or "" => false,
        _ when bool.TryParse(text, out var b) => b,
        _ => throw new SettingsException($"{option}: '{text}' is not true or false"),
    };

    /// <summary>"90s", "30m", "2h", "1d" or a TimeSpan such as "00:30:00".</summary>
    public static TimeSpan Duration(string text, string option)
    {
        var units = new Dictionary<string, double> { ["ms"] = 0.001, ["s"] = 1, ["m"] = 60, ["h"] = 3600, ["d"] = 86400 };
        foreach (var (unit, seconds) in units.OrderByDescending(u => u.Key.Length))
        {
            if (text.EndsWith(unit, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
                return TimeSpan.FromSeconds(n * seconds);
        }
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero) return span;
        throw new SettingsException($"{option}: '{text}' is not a duration such as 90s, 30m or 2h");
    }

    /// <summary>"16MiB", "512KiB", "1GB" or a number of bytes.</summary>
    public static long Size(string text, string option)
    {
        var units = new (string Unit, long Bytes)[] { ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1) };
        foreach (var (unit, bytes) in units)
        {
            if (text.EndsWith(unit, StringComparison.OrdinalIgnoreCase)
                && long.TryParse(text[..^unit.Length].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= long.MaxValue / bytes)
                return n * bytes;
        }
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plain)) return plain;
        throw new SettingsException($"{option}: '{text}' is not a size such as 16MiB");
    }
}
