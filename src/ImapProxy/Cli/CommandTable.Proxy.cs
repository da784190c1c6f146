using System.CommandLine;
using ImapProxy.Capture;
using ImapProxy.Configuration;
using ImapProxy.Faults;
using ImapProxy.Hosting;
using ImapProxy.Recording;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Storage;
using static ImapProxy.Configuration.SettingValues;

namespace ImapProxy.Cli;

/// <summary>The proxy run (<c>imapproxy [run]</c>): its options are configuration keys, set on top of appsettings.json and the environment.</summary>
internal static partial class CommandTable
{
    /// <summary>An option of the proxy run and the key it sets in the configuration section <see cref="ProxySettings.Section"/>.</summary>
    private sealed record ProxySetting(Option Option, string Key);

    private static readonly ProxySetting[] ProxySettingOptions =
    [
        new(Valued("--upstream", "HOST:PORT", "the IMAP server to relay to (required)", Upstream), "Upstream"),
        new(Valued("--upstream-tls", "MODE",
            "auto (default: implicit for port 993, else starttls), implicit, starttls (plaintext, upgraded when the client's " +
            "STARTTLS succeeds, or by the proxy right after the greeting when the client leg cannot mirror it), none (plaintext, " +
            "never upgraded by the proxy)", Choice<UpstreamTlsMode>), "UpstreamTls"),
        new(Repeated("--listen", "ADDR:PORT", $"plaintext listener, STARTTLS available (default {Defaults.PlainListener}); naming any " +
            "listener replaces both defaults; repeatable", EndPoint), "Listen"),
        new(Repeated("--listen-tls", "ADDR:PORT", $"implicit-TLS listener (default {Defaults.TlsListener}); repeatable", EndPoint), "ListenTls"),
        new(Valued("--client-tls", "MODE", "mirror (default): TLS towards the client as the client asks; none: the client speaks " +
            "plaintext to the proxy (bridging)", Choice<ClientTlsMode>), "ClientTls"),
        new(SharedOptions.Data, "Data"),
        new(SharedOptions.Store, "Store"),
        new(Valued("--instance", "NAME", "this proxy's name, kept on its sessions and shown beside them, for several proxies " +
            "sharing one PostgreSQL store (default: the host name); filter with instance:NAME", Instance), "Instance"),
        new(SharedOptions.CaDir, "CaDir"),
        new(new Option<string>("--upstream-ca") { HelpName = "FILE", Description = "also trust this CA (PEM or DER) for the upstream certificate" },
            "UpstreamCa"),
        new(new Option<bool>("--upstream-insecure") { Description = "accept any upstream certificate (logged, flagged on each session)" },
            "UpstreamInsecure"),
        new(new Option<string>("--tls-keylog") { HelpName = "FILE",
            Description = "DANGER, for Wireshark only: write the secrets of every TLS connection (client and upstream legs, replays) to " +
                          "FILE in SSLKEYLOGFILE format, so a packet capture of the real traffic can be decrypted; whoever reads FILE can " +
                          "read the mail. Off by default; FILE is created readable by its owner only (Linux)" },
            "TlsKeyLog"),
        new(Valued("--dashboard", "URL", $"where the dashboard listens (default {Defaults.Dashboard})", HttpUrl), "Dashboard"),
        new(Valued("--idle-timeout", "DURATION", $"close sessions silent this long ({Units.DurationExamples}; default: never)", Duration),
            "IdleTimeout"),
        new(Valued("--literal-cap", "SIZE", $"bytes of each literal kept in the store (default {Units.Size(Defaults.LiteralCap)})", Size),
            "LiteralCaptureLimit"),
        new(Valued("--retention-size", "SIZE", "prune the oldest finished sessions above this much data " +
            $"(default {Units.Size(Defaults.RetentionSize)}; 0 or none for no limit)", (text, name) => LimitOrOff(text, Size, name)), "RetentionSize"),
        new(Valued("--retention-age", "DURATION", "prune finished sessions older than this, e.g. 30d (default: none)",
            (text, name) => LimitOrOff(text, Duration, name)), "RetentionAge"),
        new(Valued("--capture-queue", "SIZE", "memory the capture may hold while the store catches up; beyond half of it sessions " +
            "wait for the store, or let message bodies go (see --when-store-behind), beyond all of it events are dropped " +
            $"(default {Units.Size(Defaults.CaptureQueue)})", Size), "CaptureQueue"),
        new(Valued("--when-store-behind", "MODE", "wait (default): a transfer faster than the store slows to its pace, so nothing " +
            $"captured is let go; a store that makes no room for {Units.Duration(EventBus.DefaultStorePatience)} is stalled and bodies " +
            "are let go until it catches up. shed: the relay never waits; message bodies over " +
            $"{Units.Size(SessionRecording.SheddableLiteral)} are let go while the store is behind (size and SHA-256 kept, the " +
            "session marked incomplete)", Choice<StoreBehindMode>), "StoreBehind"),
        new(Valued("--max-sessions", "N", $"sessions relayed at once; more are refused with a BYE (default {Defaults.MaxSessions})", Count),
            "MaxSessions"),
        new(Valued("--max-sessions-per-client", "N", $"sessions relayed at once for one client address (default {Defaults.MaxSessionsPerClient})",
            Count), "MaxSessionsPerClient"),
        new(new Option<string>("--dashboard-token") { HelpName = "TOKEN",
            Description = "the access token the dashboard requires when it listens beyond loopback (default: a random one, printed once at start)" },
            "DashboardToken"),
        new(Repeated("--dashboard-host", "NAME", "another name the dashboard answers to, e.g. the machine's DNS name (it always " +
            "answers to localhost, 127.0.0.1, [::1] and the address it listens on; other Host headers are refused, as DNS " +
            "rebinding sends them); repeatable", HostName), "DashboardHosts"),
        new(Repeated("--fault", "RULE", $"alter the traffic: \"FILTER => ACTION\", e.g. \"cmd:FETCH => literal truncate 100 times 1\"; " +
            $"{FaultRuleParser.Grammar}; repeatable", FaultSettings.Rule, commaSeparated: false), "Faults"),
        new(Valued("--faults", "FILE", "fault rules, one a line (# starts a comment)", (text, name) =>
        {
            FaultSettings.File(Path.GetFullPath(text), name);
            return text;
        }), "FaultsFile"),
    ];

    /// <summary>An option given once per value (a value may also list several, comma-separated, as in the configuration, unless
    /// its values may hold commas).</summary>
    private static Option<T[]> Repeated<T>(string name, string helpName, string description, Func<string, string, T> read,
        bool commaSeparated = true) => new(name)
    {
        HelpName = helpName,
        Description = description,
        CustomParser = result => Read(result, tokens => tokens.SelectMany(t => commaSeparated ? Items(t) : [t]).Select(t => read(t, name)).ToArray()),
    };

    private static void AddProxyRun(Command command)
    {
        foreach (var setting in ProxySettingOptions) command.Options.Add(setting.Option);
        command.SetAction((result, stop) => ProxyHost.RunAsync(ProxyConfiguration(result), Output(result), stop: stop));
    }

    /// <summary>The configuration that the options of a proxy run's command line set (tests start the proxy with it).</summary>
    /// <exception cref="SettingsException">A command line with a mistake.</exception>
    public static Dictionary<string, string?> ProxyConfiguration(IReadOnlyList<string> args)
    {
        var result = Root.Parse(["run", .. args]);
        return UsageError.Describe(result) is { } message ? throw new SettingsException(message) : ProxyConfiguration(result);
    }

    /// <summary>
    /// The options given, as the text typed, under the keys appsettings.json uses: the configuration reads them as it
    /// reads its other sources. A list option's occurrences are Key:0, Key:1...; a flag given bare is "true".
    /// </summary>
    private static Dictionary<string, string?> ProxyConfiguration(ParseResult result)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, key) in ProxySettingOptions)
        {
            if (result.GetResult(option) is not { Implicit: false } given) continue;
            var values = given.Tokens.Select(t => t.Value).ToList();
            if (option.Arity.MaximumNumberOfValues > 1)
            {
                for (var i = 0; i < values.Count; i++) settings[$"{ProxySettings.Section}:{key}:{i}"] = values[i];
            }
            else
            {
                settings[$"{ProxySettings.Section}:{key}"] = values.LastOrDefault() ?? "true";
            }
        }
        return settings;
    }
}
