using System.Net;
using ImapProxy.Capture;
using ImapProxy.Capture.Faults;
using ImapProxy.Faults;
using ImapProxy.Cli;
using ImapProxy.Recording.Events;
using ImapProxy.Storage;
using ImapProxy.Storage.Retention;
using Microsoft.Extensions.Configuration;
using static ImapProxy.Configuration.SettingValues;

namespace ImapProxy.Configuration;

/// <summary>
/// Everything the proxy needs to start, read from configuration (section "ImapProxy": appsettings.json,
/// ImapProxy__… environment variables, and the command line's options on top) and validated at start-up.
/// </summary>
internal sealed record ProxySettings(ProxyOptions Proxy, string DataDirectory, string CaDirectory, Uri Dashboard,
    RetentionOptions Retention, string? DashboardToken, IReadOnlyList<string> DashboardHosts, long CaptureQueueBytes,
    IReadOnlyList<FaultRule> Faults, string? TlsKeyLog, StoreLocation Store, string Instance)
{
    public const string Section = "ImapProxy";

    /// <exception cref="SettingsException">A missing or bad value, in words.</exception>
    public static ProxySettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        string? Text(string key) => section[key] is { Length: > 0 } text ? text : null;

        var upstream = Text("Upstream") is { } upstreamText
            ? Upstream(upstreamText, "--upstream")
            : throw new SettingsException("--upstream HOST:PORT is required (the IMAP server to relay to)");

        // Naming either kind of listener replaces both defaults: only the listeners named are opened.
        var listen = Listeners(section, "Listen", "--listen");
        var listenTls = Listeners(section, "ListenTls", "--listen-tls");
        var named = listen.Count > 0 || listenTls.Count > 0;

        var options = new ProxyOptions
        {
            Upstream = upstream,
            UpstreamTls = Text("UpstreamTls") is { } upstreamTls ? Choice<UpstreamTlsMode>(upstreamTls, "--upstream-tls") : UpstreamTlsMode.Auto,
            ClientTls = Text("ClientTls") is { } clientTls ? Choice<ClientTlsMode>(clientTls, "--client-tls") : ClientTlsMode.Mirror,
            Listen = named ? listen : [EndPoint(Defaults.PlainListener, "--listen")],
            ListenTls = named ? listenTls : [EndPoint(Defaults.TlsListener, "--listen-tls")],
            UpstreamCaFile = Text("UpstreamCa") is { } ca ? Path.GetFullPath(ca) : null,
            UpstreamInsecure = Text("UpstreamInsecure") is { } insecure && Bool(insecure, "--upstream-insecure"),
            IdleTimeout = Text("IdleTimeout") is { } idle ? Duration(idle, "--idle-timeout") : null,
            LiteralCaptureLimit = Text("LiteralCaptureLimit") is { } cap ? Size(cap, "--literal-cap") : Defaults.LiteralCap,
            MaxSessions = Text("MaxSessions") is { } max ? Count(max, "--max-sessions") : Defaults.MaxSessions,
            StoreBehind = Text("StoreBehind") is { } behind ? Choice<StoreBehindMode>(behind, "--when-store-behind") : StoreBehindMode.Wait,
            MaxSessionsPerClient = Text("MaxSessionsPerClient") is { } perClient ? Count(perClient, "--max-sessions-per-client") : Defaults.MaxSessionsPerClient,
        };
        if (options.Listen.Count + options.ListenTls.Count == 0) throw new SettingsException("no listener: name at least one --listen or --listen-tls");
        if (options.UpstreamCaFile is { } file && !File.Exists(file)) throw new SettingsException($"--upstream-ca: no such file {file}");

        var retention = new RetentionOptions(
            Text("RetentionAge") is { } age ? LimitOrOff(age, Duration, "--retention-age") : null,
            Text("RetentionSize") is { } size ? LimitOrOff(size, Size, "--retention-size") : Defaults.RetentionSize);

        var data = Path.GetFullPath(Text("Data") ?? Defaults.DataDirectory);
        return new ProxySettings(options,
            data,
            Path.GetFullPath(Text("CaDir") ?? Defaults.CaDirectory),
            HttpUrl(Text("Dashboard") ?? Defaults.Dashboard, "--dashboard"),
            retention,
            Text("DashboardToken"),
            List(section, "DashboardHosts").Select(h => HostName(h, "--dashboard-host")).ToList(),
            Text("CaptureQueue") is { } queue ? AtLeast(Size(queue, "--capture-queue"), StorageOptions.MinQueueBytes, "--capture-queue") : Defaults.CaptureQueue,
            FaultRules(section),
            Text("TlsKeyLog") is { } keyLog ? Path.GetFullPath(keyLog) : null,
            Text("Store") is { } store ? StoreUrl(store, "--store") : StoreLocation.InDataDirectory(data),
            Text("Instance") is { } instance ? SettingValues.Instance(instance, "--instance") : InstanceName.Default);
    }

    private static long AtLeast(long value, long least, string option) =>
        value >= least ? value : throw new SettingsException($"{option}: at least {Units.Size(least)}");

    /// <summary>True when the dashboard listens on loopback only, where no access token is needed.</summary>
    public bool DashboardOnLoopback =>
        Dashboard.IsLoopback || (IPAddress.TryParse(Dashboard.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>True when the dashboard listens on every address of the machine: 0.0.0.0, [::], or a name (Kestrel binds a name other than localhost so).</summary>
    public bool DashboardOnEveryAddress => IPAddress.TryParse(Dashboard.Host.Trim('[', ']'), out var address)
        ? address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
        : !Dashboard.IsLoopback;

    private static List<IPEndPoint> Listeners(IConfigurationSection section, string key, string option) =>
        List(section, key).Select(v => EndPoint(v, option)).ToList();

    /// <summary>
    /// Rules of --fault (Faults:0, Faults:1... or one rule in Faults: a rule may hold commas, so a value is never split)
    /// and of the file --faults names (FaultsFile).
    /// </summary>
    private static List<FaultRule> FaultRules(IConfigurationSection section)
    {
        var rules = section.GetSection("Faults").GetChildren().Select(c => c.Value).Append(section["Faults"])
            .Where(v => !string.IsNullOrWhiteSpace(v))
            .Select(v => FaultSettings.Rule(v!, "--fault")).ToList();
        if (section["FaultsFile"] is { Length: > 0 } file) rules.AddRange(FaultSettings.File(Path.GetFullPath(file), "--faults"));
        return rules;
    }

    /// <summary>A list from the command line (Listen:0, Listen:1...) or one comma-separated value (Listen).</summary>
    private static IEnumerable<string> List(IConfigurationSection section, string key) =>
        section.GetSection(key).GetChildren().Select(c => c.Value).Append(section[key])
            .SelectMany(v => Items(v ?? ""));
}
