using Microsoft.Playwright;

namespace ImapProxy.Tests.Support;

internal static class DashboardPages
{
    /// <summary>
    /// A new page at <paramref name="url"/> (1400×900 unless <paramref name="options"/> say otherwise), once its circuit
    /// is up (a click before that lands on the prerendered page), with what the Content-Security-Policy refuses in it.
    /// </summary>
    public static async Task<(IPage Page, IReadOnlyList<string> Refused)> OpenAsync(this BrowserFixture browser, string url, BrowserNewPageOptions? options = null)
    {
        options ??= new BrowserNewPageOptions();
        options.ViewportSize ??= new ViewportSize { Width = 1400, Height = 900 };
        var page = await browser.Browser.NewPageAsync(options);
        var refused = PolicyViolations.Watch(page);
        Assertions.SetDefaultExpectTimeout(15_000);
        await page.GotoAsync(url);
        await Assertions.Expect(page.Locator(".app")).ToHaveAttributeAsync("data-interactive", "yes");
        return (page, refused);
    }
}
