using System.Net;
using System.Net.Sockets;
using ImapProxy.Capture;
using ImapProxy.Recording.Events;
using ImapProxy.Cli;
using ImapProxy.Configuration;
using ImapProxy.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace ImapProxy.Tests.Configuration;

public class ProxySettingsTests
{
    internal static ProxySettings From(string[] args, Dictionary<string, string?>? environment = null, string? json = null)
    {
        var builder = new ConfigurationBuilder();
        if (json is not null) builder.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
        if (environment is not null) builder.AddInMemoryCollection(environment);
        builder.AddInMemoryCollection(CommandTable.ProxyConfiguration(args));
        return ProxySettings.From(builder.Build());
    }

    [Fact]
    public void Defaults_AreLoopbackListeners_AutoTls_NoIdleTimeout()
    {
        var settings = From(["--upstream", "imap.example.com:993"]);

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 1143)], settings.Proxy.Listen);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 1993)], settings.Proxy.ListenTls);
        Assert.Equal(UpstreamTlsMode.Implicit, settings.Proxy.EffectiveUpstreamTls);
        Assert.Equal(ClientTlsMode.Mirror, settings.Proxy.ClientTls);
        // IDLE sessions last hours: nothing cuts a quiet session unless the user asks.
        Assert.Null(settings.Proxy.IdleTimeout);
        Assert.Equal(16L * 1024 * 1024, settings.Proxy.LiteralCaptureLimit);
        Assert.Equal(new Uri("http://127.0.0.1:5143"), settings.Dashboard);
        Assert.Equal(Path.GetFullPath("data"), settings.DataDirectory);
        Assert.Equal(Path.GetFullPath("certs"), settings.CaDirectory);
        Assert.False(settings.Proxy.UpstreamInsecure);
        // A debugging proxy keeps every byte: a transfer faster than the store waits for it.
        Assert.Equal(StoreBehindMode.Wait, settings.Proxy.StoreBehind);
        Assert.Equal(StoreBehindMode.Shed, From(["--upstream", "x:993", "--when-store-behind", "shed"]).Proxy.StoreBehind);
    }

    [Fact]
    public void AutoTls_IsStartTlsForPortsOtherThan993()
    {
        Assert.Equal(UpstreamTlsMode.StartTls, From(["--upstream", "imap.example.com:143"]).Proxy.EffectiveUpstreamTls);
    }

    [Fact]
    public void NamingOneListener_ReplacesBothDefaults()
    {
        var settings = From(["--upstream", "x:993", "--listen-tls", "0.0.0.0:993", "--listen-tls", "[::1]:1993"]);

        Assert.Empty(settings.Proxy.Listen);
        Assert.Equal([new IPEndPoint(IPAddress.Any, 993), new IPEndPoint(IPAddress.IPv6Loopback, 1993)], settings.Proxy.ListenTls);
    }

    [Fact]
    public void EnvironmentAndJson_SetTheSameSettings_CommandLineWins()
    {
        var environment = new Dictionary<string, string?>
        {
            ["ImapProxy:Upstream"] = "env.example.com:143",
            ["ImapProxy:Listen"] = "127.0.0.1:2143, 127.0.0.1:3143",
            ["ImapProxy:UpstreamInsecure"] = "true",
            ["ImapProxy:IdleTimeout"] = "2h",
        };
        const string json = """{ "ImapProxy": { "Upstream": "json.example.com:993", "ClientTls": "none", "LiteralCaptureLimit": "1MiB" } }""";

        var settings = From(["--upstream", "cli.example.com:993"], environment, json);

        Assert.Equal("cli.example.com", settings.Proxy.Upstream.Host);
        Assert.Equal(ClientTlsMode.None, settings.Proxy.ClientTls);
        Assert.Equal(1024 * 1024, settings.Proxy.LiteralCaptureLimit);
        Assert.Equal([2143, 3143], settings.Proxy.Listen.Select(e => e.Port));
        Assert.True(settings.Proxy.UpstreamInsecure);
        Assert.Equal(TimeSpan.FromHours(2), settings.Proxy.IdleTimeout);
    }

    [Fact]
    public async Task RealExecutable_ReadsAppsettingsJsonOfItsWorkingDirectory_AndImapProxyVariablesOverIt()
    {
        var directory = Directory.CreateTempSubdirectory("imapproxy-settings-").FullName;
        try
        {
            var (listen, listenTls, jsonDashboard, environmentDashboard) = (FreePort(), FreePort(), FreePort(), FreePort());
            // Nothing on the command line: the plain listener comes from the file; the upstream and the TLS listener (in
            // the README's indexed form) from the environment; the dashboard from both, where the environment wins.
            await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"),
                $$"""{ "ImapProxy": { "Listen": "127.0.0.1:{{listen}}", "Dashboard": "http://127.0.0.1:{{jsonDashboard}}" } }""");
            await using var proxy = Support.Cli.Start(directory, new Dictionary<string, string>
            {
                ["ImapProxy__Upstream"] = "127.0.0.1:1",
                ["ImapProxy__ListenTls__0"] = $"127.0.0.1:{listenTls}",
                ["ImapProxy__Dashboard"] = $"http://127.0.0.1:{environmentDashboard}",
            });

            var log = await proxy.ReadUntilAsync(line => line.Contains("Dashboard on", StringComparison.Ordinal));

            // The two listeners named, not the defaults (1143, 1993), for the environment's upstream.
            string[] listening = [$"Listening on 127.0.0.1:{listen} (Plain) for 127.0.0.1:1", $"Listening on 127.0.0.1:{listenTls} (Tls) for 127.0.0.1:1"];
            Assert.Equal(listening.Order(), log.Where(line => line.Contains("Listening on", StringComparison.Ordinal))
                .Select(line => line[line.IndexOf("Listening on", StringComparison.Ordinal)..]).Order());
            // data/ and certs/ are relative to the working directory, where appsettings.json was read.
            Assert.Contains($"Dashboard on http://127.0.0.1:{environmentDashboard}; data in {Path.Combine(directory, "data")}; " +
                $"store sqlite:{Path.Combine(directory, "data", "imapproxy.db")}; instance ", log[^1]);
            // And the proxy acts on them: a client on that port is told the environment's upstream cannot be reached.
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(ProxyHarness.Timeout);
            await client.ConnectAsync(IPAddress.Loopback, listen, timeout.Token);
            using var reader = new StreamReader(client.GetStream());
            Assert.StartsWith("* BYE [UNAVAILABLE] ImapProxy cannot reach the upstream server 127.0.0.1:1", await reader.ReadLineAsync(timeout.Token));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A port free on 127.0.0.1 just now (the system picks it; another process could take it before the proxy).</summary>
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public void DashboardHosts_RepeatOrComeCommaSeparated_AndAreNamesWithoutPorts()
    {
        Assert.Equal(["imapproxy.lan", "[fe80::1]"], From(["--upstream", "x:993", "--dashboard-host", "imapproxy.lan", "--dashboard-host", "fe80::1"]).DashboardHosts);
        Assert.Equal(["a.lan", "192.168.1.20"], From(["--upstream", "x:993"], new() { ["ImapProxy:DashboardHosts"] = "a.lan, 192.168.1.20" }).DashboardHosts);
        Assert.Empty(From(["--upstream", "x:993"]).DashboardHosts);

        var error = Assert.Throws<SettingsException>(() => From(["--upstream", "x:993", "--dashboard-host", "imapproxy.lan:5143"]));
        Assert.Contains("--dashboard-host", error.Message);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1.5h", 5400)]
    [InlineData("00:00:10", 10)]
    public void Durations(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SettingValues.Duration(text, "--idle-timeout"));

    [Theory]
    [InlineData("16MiB", 16L << 20)]
    [InlineData("512KiB", 512L << 10)]
    [InlineData("1GB", 1_000_000_000L)]
    [InlineData("4096", 4096L)]
    public void Sizes(string text, long bytes) => Assert.Equal(bytes, SettingValues.Size(text, "--literal-cap"));
}
