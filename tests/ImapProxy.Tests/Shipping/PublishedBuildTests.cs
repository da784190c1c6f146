using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Playwright;

namespace ImapProxy.Tests.Shipping;

/// <summary>
/// The published build as a process, started the way the container starts it: the application in one folder,
/// the working directory (data, CA) another. Its dashboard must come alive in a real Chromium and show a real
/// session live; before the fix, every static file was served empty and the page never became interactive.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed partial class PublishedBuildTests(DovecotFixture dovecot, BrowserFixture browser, PublishedBuild build)
    : IClassFixture<BrowserFixture>, IClassFixture<PublishedBuild>
{
    [Fact]
    public async Task StartedFromAnotherDirectory_ItsDashboardIsLive_AndDataStaysInTheWorkingDirectory()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout * 2);
        var work = Directory.CreateTempSubdirectory("imapproxy-workdir-");
        var upstreamCa = Path.Combine(work.FullName, "dovecot-ca.pem");
        await File.WriteAllTextAsync(upstreamCa, dovecot.Server.Certificate.ExportCertificatePem(), cts.Token);
        var start = new ProcessStartInfo(build.Executable) { WorkingDirectory = work.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     $"--upstream={DovecotServer.Host}:{dovecot.Server.ImapsPort}", "--upstream-tls=implicit", $"--upstream-ca={upstreamCa}",
                     "--listen=127.0.0.1:0", "--listen-tls=127.0.0.1:0", "--dashboard=http://127.0.0.1:0",
                     // Relative, as the README documents: the working directory's, not the application's.
                     "--data=data", "--ca-dir=certs",
                 })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        try
        {
            var (tlsPort, dashboard) = await ReadStartupAsync(process, cts.Token);

            var page = await browser.Browser.NewPageAsync();
            var refused = PolicyViolations.Watch(page);
            await page.GotoAsync(dashboard);
            await Assertions.Expect(page.Locator(".app")).ToHaveAttributeAsync("data-interactive", "yes", new() { Timeout = 20_000 });
            var css = await page.APIRequest.GetAsync(dashboard + "app.css");
            Assert.True((await css.BodyAsync()).Length > 100, "app.css is served with its content");

            using (var client = new ImapClient { CheckCertificateRevocation = false })
            {
                var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(work.FullName, "certs", "imapproxy-ca.pem"));
                client.ServerCertificateValidationCallback = (_, certificate, _, _) => Chains(certificate as X509Certificate2 ?? new X509Certificate2(certificate!), ca);
                await client.ConnectAsync(IPAddress.Loopback.ToString(), tlsPort, SecureSocketOptions.SslOnConnect, cts.Token);
                await client.AuthenticateAsync(DovecotUser.Alice.Name, DovecotUser.Alice.Password, cts.Token);
                await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
                await client.DisconnectAsync(true, cts.Token);
            }

            // Live: the page was open before the session started.
            await Assertions.Expect(page.Locator("tr.session", new() { HasText = "alice" })).ToBeVisibleAsync(new() { Timeout = 20_000 });
            Assert.True(File.Exists(Path.Combine(work.FullName, "data", "imapproxy.db")));
            Assert.False(Directory.Exists(Path.Combine(build.AppDirectory, "data")));
            Assert.False(Directory.Exists(Path.Combine(build.AppDirectory, "certs")));
            // The container's HEALTHCHECK, as the Dockerfile writes it, against this dashboard.
            var (health, healthOutput) = await ContainerFiles.RunHealthCheckAsync(new Uri(dashboard).Port, cts.Token);
            Assert.True(health == 0, $"the HEALTHCHECK failed ({health}): {healthOutput}");
            Assert.True(refused.Count == 0, string.Join("\n", refused));

            Libc.Signal(process.Id, Libc.SigTerm);
            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            work.Delete(recursive: true);
        }
    }

    /// <summary>The implicit-TLS port and the dashboard's address, from the lines the proxy logs at start.</summary>
    private static async Task<(int TlsPort, string Dashboard)> ReadStartupAsync(Process process, CancellationToken ct)
    {
        int? tls = null;
        string? dashboard = null;
        var seen = new List<string>();
        while (tls is null || dashboard is null)
        {
            var line = await process.StandardOutput.ReadLineAsync(ct)
                ?? throw new InvalidOperationException($"the proxy exited ({string.Join(" | ", seen)}; {await process.StandardError.ReadToEndAsync(ct)})");
            seen.Add(line);
            if (TlsListener().Match(line) is { Success: true } t) tls = int.Parse(t.Groups[1].Value);
            if (DashboardLine().Match(line) is { Success: true } d) dashboard = d.Groups[1].Value.TrimEnd('/') + "/";
        }
        // Keep reading, so a full pipe never blocks the proxy's logging.
        _ = Task.Run(async () => { while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is not null) { } }, CancellationToken.None);
        return (tls.Value, dashboard);
    }

    private static bool Chains(X509Certificate2 leaf, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    [GeneratedRegex(@"Listening on 127\.0\.0\.1:(\d+) \(Tls\)")]
    private static partial Regex TlsListener();

    [GeneratedRegex(@"Dashboard on (http://127\.0\.0\.1:\d+/?)")]
    private static partial Regex DashboardLine();
}
