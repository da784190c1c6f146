using System.Net;
using ImapProxy.Capture;
using ImapProxy.Recording.Events;
using ImapProxy.Cli;
using ImapProxy.Configuration;
using Microsoft.Extensions.Configuration;

namespace ImapProxy.Tests.Configuration;

public class ProxySettingsTests
{
    private static ProxySettings From(string[] args, Dictionary<string, string?>? environment = null, string? json = null)
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
