using System.Text.RegularExpressions;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using Microsoft.Playwright;

namespace ImapProxy.Tests.Dashboard;

/// <summary>What a click does in Chromium: as soon as the page says it is interactive, and when it copies a transcript.</summary>
[Collection(DovecotCollection.Name)]
public sealed class DashboardClickTests(DovecotFixture dovecot, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>
    /// In the document sessionStorage names a selector for (read as the document starts, so a page still open cannot take
    /// it): clicks the element in the same task as the render that set data-interactive="yes" on .app, or that rendered
    /// the element when it comes later, before any test code could wait for anything else.
    /// </summary>
    private const string ClickWhenInteractive = """
        const selector = sessionStorage.getItem("click-when-interactive");
        sessionStorage.removeItem("click-when-interactive");
        if (selector) new MutationObserver((_, observer) => {
            const target = document.querySelector(`.app[data-interactive="yes"] ${selector}`);
            if (!target) return;
            observer.disconnect();
            target.click();
            window.clickedWhenInteractive = true;
        }).observe(document, { subtree: true, childList: true, attributes: true });
        """;

    [Fact]
    public async Task AClickRightAfterThePageSaysInteractive_IsNeverLost()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");
        var id = await proxy.RecordSessionAsync(cts.Token);
        var (page, refused) = await browser.OpenAsync(proxy.Dashboard.ToString());
        await page.AddInitScriptAsync(ClickWhenInteractive);
        var quick = new LocatorAssertionsToBeVisibleOptions { Timeout = 5_000 };

        for (var round = 0; round < 10; round++)
        {
            // A session row, then the first command of its timeline, each clicked the moment it can be.
            await ClickOnceInteractiveAsync(page, $"tr.session[data-session='{id}'] td.mono", proxy.Dashboard.ToString());
            await Assertions.Expect(page.Locator("h1", new() { HasText = $"Session {id}" })).ToBeVisibleAsync(quick);
            await ClickOnceInteractiveAsync(page, ".timeline .item.command .line", $"{proxy.Dashboard}sessions/{id}");
            await Assertions.Expect(page.Locator(".timeline .item.command .parts").First).ToBeVisibleAsync(quick);
        }
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }

    private static async Task ClickOnceInteractiveAsync(IPage page, string selector, string url)
    {
        await page.EvaluateAsync("selector => sessionStorage.setItem('click-when-interactive', selector)", selector);
        await page.GotoAsync(url);
        await page.WaitForFunctionAsync("() => window.clickedWhenInteractive === true", null, new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task CopyAsTranscript_SaysCopied_OrWhyItCouldNot()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");
        var id = await proxy.RecordSessionAsync(cts.Token);
        var (page, refused) = await browser.OpenAsync($"{proxy.Dashboard}sessions/{id}",
            new BrowserNewPageOptions { Permissions = ["clipboard-read", "clipboard-write"] });
        var copy = page.GetByRole(AriaRole.Button, new() { Name = "Copy as transcript" });
        var said = page.Locator(".copy-status");

        await copy.ClickAsync();
        await Assertions.Expect(said).ToHaveTextAsync("copied");
        Assert.Matches(@"C: \S+ LOGOUT", await page.EvaluateAsync<string>("navigator.clipboard.readText()"));

        // The proxy refusing the export is said, not copied as if it were the transcript.
        await page.RouteAsync("**/export?format=transcript", route => route.FulfillAsync(new() { Status = 503, Body = "unavailable" }));
        await copy.ClickAsync();
        await Assertions.Expect(said).ToHaveTextAsync(new Regex("^could not copy: the proxy answered 503"));
        await Assertions.Expect(said).ToHaveClassAsync(new Regex(@"\bbad\b"));
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }

    [Fact]
    public async Task TheLinkedFavicon_IsAnImage()
    {
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");
        var (page, refused) = await browser.OpenAsync(proxy.Dashboard.ToString());

        var href = await page.Locator("link[rel=icon]").GetAttributeAsync("href");
        Assert.NotNull(href);
        var icon = await page.APIRequest.GetAsync(new Uri(proxy.Dashboard, href).ToString());
        Assert.Equal(200, icon.Status);
        Assert.StartsWith("image/", icon.Headers["content-type"]);
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }
}
