using System.Text.RegularExpressions;
using ImapProxy.Dashboard.Live;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ImapProxy.Tests.Dashboard;

/// <summary>
/// Two proxies on one PostgreSQL store: one proxy's dashboard, in a real headless Chromium, follows a real client's
/// session through the other proxy as it happens.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class SharedStoreBrowserTests(DovecotFixture dovecot, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task OneProxysDashboard_ShowsASessionThroughTheOther_LiveWithoutAReload()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var database = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        await using var office1 = await ProxyHarness.StartAsync(dovecot.Server, "implicit", "--store", database, "--instance", "office-1");
        await using var office2 = await ProxyHarness.StartAsync(dovecot.Server, "implicit", "--store", database, "--instance", "office-2");
        await office1.Services.GetRequiredService<SharedStoreFeed>().Listening.WaitAsync(cts.Token);
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var refused = PolicyViolations.Watch(page);
        Assertions.SetDefaultExpectTimeout(15_000);
        await page.GotoAsync(office1.Dashboard.ToString());
        await Assertions.Expect(page.Locator(".app")).ToHaveAttributeAsync("data-interactive", "yes");
        await Assertions.Expect(page.Locator("td.empty")).ToContainTextAsync("No sessions yet");
        // A page that reloads loses this; one that updates in place keeps it.
        await page.EvaluateAsync("window.loadedOnce = 'yes'");

        // A real client through office-2, still connected while office-1's page is watched.
        using var client = await office2.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);

        var row = page.Locator("tr.session.open", new() { HasText = "alice" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row.Locator("td.state")).ToHaveTextAsync("selected");
        // The list marks a session another proxy relayed with that proxy's name.
        await Assertions.Expect(row.Locator("td.upstream .instance")).ToHaveTextAsync("via office-2");
        await row.ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Session");
        var header = page.Locator("dl.session-header");
        await Assertions.Expect(header.Locator("dt", new() { HasText = "proxy" })).ToBeVisibleAsync();
        await Assertions.Expect(header.Locator("dd[title^='the --instance name']")).ToHaveTextAsync("office-2");
        await Assertions.Expect(page.Locator(".item.command[data-command='EXAMINE']")).ToBeVisibleAsync();

        // What the client does next appears on the open session page, then its end.
        await client.NoOpAsync(cts.Token);
        await Assertions.Expect(page.Locator(".item.command[data-command='NOOP']")).ToBeVisibleAsync();
        await client.DisconnectAsync(true, cts.Token);
        await Assertions.Expect(header.Locator("dt", new() { HasText = "ended" })).ToBeVisibleAsync();
        await Assertions.Expect(header).ToContainTextAsync(new Regex("(client|server)-closed"));

        Assert.Equal("yes", await page.EvaluateAsync<string>("window.loadedOnce"));
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }
}
