using System.Diagnostics;
using System.Text.RegularExpressions;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Playwright;
using MimeKit;
using Xunit.Abstractions;

namespace ImapProxy.Tests.Dashboard;

/// <summary>The dashboard in a real browser, following a real session through the real proxy to a real Dovecot.</summary>
[Collection(DovecotCollection.Name)]
public sealed class DashboardBrowserTests(DovecotFixture dovecot, BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ASessionAppearsLive_CanBeFilteredOpened_AndItsMessageRead()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var refused = PolicyViolations.Watch(page);
        Assertions.SetDefaultExpectTimeout(15_000);

        await page.GotoAsync(proxy.Dashboard.ToString());
        await Assertions.Expect(page.Locator(".app")).ToHaveAttributeAsync("data-interactive", "yes");

        // A real client session through the proxy, while the page is open.
        var folderName = $"browser-{Guid.NewGuid():N}"[..20];
        var message = Messages.WithAttachment("Seen in the browser <script>alert(1)</script>", 20_000);
        var fetchedAt = new Stopwatch();
        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var folder = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(folderName, true, cts.Token))!;
            await folder.AppendAsync(MimeMessage.Load(new MemoryStream(message)), cancellationToken: cts.Token);
            await folder.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            var uid = (await folder.SearchAsync(SearchQuery.All, cts.Token))[0];
            fetchedAt.Start();
            (await folder.GetMessageAsync(uid, cts.Token)).Dispose();
            await client.DisconnectAsync(true, cts.Token);
        }

        // It appears without a reload, and its counters settle.
        var row = page.Locator("tr.session", new() { HasText = "alice" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        output.WriteLine($"row visible {fetchedAt.ElapsedMilliseconds} ms after the FETCH was sent");
        await Screenshots.SaveAsync(page, "sessions");

        // Filter for it at once: the filter goes into the URL, the row stays, even when the session's last events are
        // still on their way to the store (the list waits for them; DashboardComponentTests holds that race still).
        await page.Locator("input.filter").FillAsync("user:alice and cmd:FETCH");
        await page.Locator("input.filter").PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("filter=user%3Aalice"));
        await Assertions.Expect(row).ToBeVisibleAsync();

        // A bad filter says where it is wrong.
        await page.Locator("input.filter").FillAsync("user:alice and (cmd:FETCH");
        await page.Locator("input.filter").PressAsync("Enter");
        await Assertions.Expect(page.Locator(".filter-error")).ToContainTextAsync("position");

        // Open the session: the FETCH of the message with its latency, then the message itself.
        await page.GotoAsync(proxy.Dashboard + "?filter=user%3Aalice");
        await page.Locator("tr.session", new() { HasText = "alice" }).First.ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Session");
        var fetch = page.Locator(".item.command[data-command='UID FETCH']").Last;
        await Assertions.Expect(fetch.Locator(".latency")).ToHaveTextAsync(new Regex(@"\d+(\.\d+)? (µs|ms|s)"));
        await fetch.Locator(".line").ClickAsync();
        await fetch.Locator("details.message > summary").ClickAsync();
        await Assertions.Expect(fetch.Locator(".message .headers")).ToContainTextAsync("Seen in the browser <script>alert(1)</script>");
        await Assertions.Expect(fetch.Locator(".message table.parts")).ToContainTextAsync("report.bin");
        // Hostile text is shown as text, never run: no script element came from the message.
        Assert.Equal(0, await page.Locator("main script").CountAsync());
        await Screenshots.SaveAsync(page, "session");

        await page.GotoAsync(proxy.Dashboard + "status");
        await Assertions.Expect(page.Locator(".ca")).ToContainTextAsync("Download DER");
        await Screenshots.SaveAsync(page, "status");
        // The theme button's handler is in app.js (the policy runs no inline script).
        var theme = await page.EvaluateAsync<string>("document.documentElement.dataset.theme");
        await page.Locator("button.theme").ClickAsync();
        Assert.NotEqual(theme, await page.EvaluateAsync<string>("document.documentElement.dataset.theme"));
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }

    [Fact]
    public async Task SessionPage_ReplaysAgainstTheServer_ShowsTheDiff_AndServesTheCapture()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");
        var id = await proxy.RecordSessionAsync(cts.Token);
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var refused = PolicyViolations.Watch(page);
        Assertions.SetDefaultExpectTimeout(15_000);

        await page.GotoAsync($"{proxy.Dashboard}sessions/{id}");
        await Assertions.Expect(page.Locator(".app")).ToHaveAttributeAsync("data-interactive", "yes");
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay…" }).ClickAsync();
        await ReplayAgainstDovecotAsync(page, proxy);

        await Assertions.Expect(page.Locator(".replay-result")).ToContainTextAsync("0 differ");
        await Assertions.Expect(page.Locator(".replay-diff")).ToContainTextAsync("EXAMINE");
        // A session that only read: no warning, and the replay was not made read-only.
        await Assertions.Expect(page.Locator(".replay .changes")).ToHaveCountAsync(0);
        Assert.False(await page.Locator("input[name=read-only]").IsCheckedAsync());
        await Screenshots.SaveAsync(page, "replay");

        await page.GetByRole(AriaRole.Button, new() { Name = "Serve" }).ClickAsync();
        var serving = page.Locator(".serving");
        await Assertions.Expect(serving).ToContainTextAsync("Serving on 127.0.0.1:");
        var port = int.Parse(Regex.Match(await serving.InnerTextAsync(), @"127\.0\.0\.1:(\d+)").Groups[1].Value);
        using (var raw = await RawClient.ConnectAsync(port, cts.Token))
            Assert.StartsWith("* OK [CAPABILITY", await raw.ReadLineAsync(cts.Token));
        await Assertions.Expect(serving).ToContainTextAsync("1 connection");

        // The status page lists what is served, and stops it too.
        await page.GotoAsync($"{proxy.Dashboard}status");
        // A click before the circuit is up lands on the prerendered page and does nothing.
        await Assertions.Expect(page.Locator(".app")).ToHaveAttributeAsync("data-interactive", "yes");
        var served = page.Locator(".served");
        await Assertions.Expect(served).ToContainTextAsync($"session {id} on 127.0.0.1:{port} · 1 connection");
        await served.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await Assertions.Expect(served).ToContainTextAsync("None.");
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => RawClient.ConnectAsync(port, cts.Token));
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }

    /// <summary>Issue 15 #14: a session that appended says so before its replay, and the dashboard replays it read-only by default.</summary>
    [Fact]
    public async Task ReplayOfASessionThatAppended_WarnsAndIsReadOnlyByDefault()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var folder = await Replay.ReplayScenario.CreateFolderAsync(dovecot.Server, cts.Token);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");
        var id = await proxy.RecordSessionAsync(cts.Token, async client =>
        {
            var target = await client.GetFolder(client.PersonalNamespaces[0]).GetSubfolderAsync(folder, cts.Token);
            await target.AppendAsync(MimeMessage.Load(new MemoryStream(SampleMessages.Text("appended once", "Hello."))), cancellationToken: cts.Token);
        });
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        Assertions.SetDefaultExpectTimeout(15_000);

        await page.GotoAsync($"{proxy.Dashboard}sessions/{id}");
        await Assertions.Expect(page.Locator(".app")).ToHaveAttributeAsync("data-interactive", "yes");
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay…" }).ClickAsync();
        await Assertions.Expect(page.Locator(".replay .changes")).ToContainTextAsync("This replay changes the server's mailboxes: APPEND ×1");
        Assert.True(await page.Locator("input[name=read-only]").IsCheckedAsync());
        await ReplayAgainstDovecotAsync(page, proxy);

        await Assertions.Expect(page.Locator(".replay-diff")).ToContainTextAsync("skipped: --read-only");
        using var check = await dovecot.Server.ConnectAsync(DovecotUser.Alice, ct: cts.Token);
        var after = await check.GetFolder(check.PersonalNamespaces[0]).GetSubfolderAsync(folder, cts.Token);
        await after.OpenAsync(FolderAccess.ReadOnly, cts.Token);
        Assert.Equal(1, after.Count); // the capture's own message only
    }

    [Fact]
    public async Task AServerThatLiesAboutSizes_IsFlaggedInTheListAndExplainedFirstOnTheSessionPage()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await SizeLieSession.RecordAsync(dovecot.Server, cts.Token);
        // The store has it before the browser is asked (a failure below is then the page's, not the capture's).
        Assert.Equal(1, Assert.Single(proxy.Store.GetSessions(10)).Findings);
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var refused = PolicyViolations.Watch(page);
        Assertions.SetDefaultExpectTimeout(15_000);

        // The list counts it; finding:* finds it.
        await page.GotoAsync(proxy.Dashboard + "?filter=finding%3A*");
        await Assertions.Expect(page.Locator(".app")).ToHaveAttributeAsync("data-interactive", "yes");
        var row = page.Locator("tr.session");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator("td[data-findings]")).ToHaveTextAsync("1");

        // Sorted by findings from the column's header; the order goes into the URL.
        await page.Locator("a.sort").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("order=findings"));
        await Assertions.Expect(row.Locator("td[data-findings]")).ToHaveTextAsync("1");

        // First on the session page: the finding in words, and its proof one click away.
        await row.ClickAsync();
        var finding = page.Locator(".findings li.finding.error[data-rule='rfc822-size-mismatch']");
        await Assertions.Expect(finding).ToContainTextAsync($"has RFC822.SIZE 9999 but its whole body (BODY[]) is {SizeLieSession.Message.Length} bytes");
        await Assertions.Expect(finding.Locator(".impact")).ToContainTextAsync("truncate the message");
        await finding.Locator("button.link").First.ClickAsync();
        await Assertions.Expect(finding.Locator(".frame")).ToContainTextAsync("RFC822.SIZE");
        await Screenshots.SaveAsync(page, "findings");

        // Across sessions: the rule, how often and where, linking back to the sessions list filtered by it.
        await page.GotoAsync(proxy.Dashboard + "findings");
        var total = page.Locator("table.finding-totals tr[data-rule='rfc822-size-mismatch']");
        await Assertions.Expect(total).ToContainTextAsync("RFC822.SIZE disagrees");
        await total.Locator("a").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("filter=finding%3Arfc822-size-mismatch"));
        await Assertions.Expect(page.Locator("tr.session")).ToHaveCountAsync(1);
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }

    /// <summary>Fills the replay form for the real Dovecot's TLS port, as alice, and starts the replay.</summary>
    private async Task ReplayAgainstDovecotAsync(IPage page, ProxyHarness proxy)
    {
        await page.Locator("input[name=to]").FillAsync($"127.0.0.1:{dovecot.Server.ImapsPort}");
        await page.Locator("select[name=tls]").SelectOptionAsync("implicit");
        await page.Locator("input[name=ca]").FillAsync(proxy.UpstreamCaFile);
        await page.Locator("input[name=password]").FillAsync(DovecotUser.Alice.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay", Exact = true }).ClickAsync();
    }
}
