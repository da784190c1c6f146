using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Playwright;

namespace ImapProxy.Tests.Dashboard;

/// <summary>The Faults page in a real browser: a bad rule said where, a rule added, seen firing on a real session, removed.</summary>
[Collection(DovecotCollection.Name)]
public sealed class FaultsPageBrowserTests(DovecotFixture dovecot, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Rule_IsAdded_SeenFiring_AndRemoved()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");
        var page = await browser.Browser.NewPageAsync();
        var refused = PolicyViolations.Watch(page);
        Assertions.SetDefaultExpectTimeout(15_000);

        await page.GotoAsync(proxy.Dashboard + "faults");
        await Assertions.Expect(page.Locator(".app")).ToHaveAttributeAsync("data-interactive", "yes");
        await Assertions.Expect(page.Locator("table.faults")).ToContainTextAsync("No fault rules");

        var input = page.GetByLabel("New fault rule");
        await input.FillAsync("cmd:NOOP => explode");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Assertions.Expect(page.Locator(".filter-error")).ToContainTextAsync("at character 13: unknown action 'explode'");
        await Assertions.Expect(page.Locator(".filter-error mark")).ToHaveTextAsync("e");

        await input.FillAsync("cmd:NOOP => status NO \"from the page\"");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        var row = page.Locator("tr.fault");
        await Assertions.Expect(row).ToContainTextAsync("cmd:NOOP => status NO \"from the page\"");
        await Assertions.Expect(row.Locator(".fired")).ToHaveTextAsync("0");

        using (var client = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, cts.Token))
        {
            var refusedNoop = await Assert.ThrowsAsync<ImapCommandException>(() => client.NoOpAsync(cts.Token));
            Assert.Equal("from the page", refusedNoop.ResponseText);
            await client.DisconnectAsync(true, cts.Token);
        }
        await Assertions.Expect(row.Locator(".fired")).ToHaveTextAsync("1");

        await row.GetByRole(AriaRole.Button, new() { Name = "Remove rule 1" }).ClickAsync();
        await Assertions.Expect(page.Locator("table.faults")).ToContainTextAsync("No fault rules");

        // The altered session is marked in the list; from its timeline, "make this answer fail" prefills a rule.
        await page.GotoAsync(proxy.Dashboard.ToString());
        var session = page.Locator("tr.session", new() { HasText = "alice" }).First;
        await Assertions.Expect(session.Locator(".badge.altered")).ToHaveTextAsync("altered");
        await session.ClickAsync();
        var noop = page.Locator(".item.command[data-command='NOOP']");
        await noop.Locator(".line").ClickAsync();
        await noop.GetByRole(AriaRole.Link, new() { Name = "make this answer fail" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("New fault rule")).ToHaveValueAsync("cmd:NOOP => status NO");
        Assert.Empty(refused);
    }
}
