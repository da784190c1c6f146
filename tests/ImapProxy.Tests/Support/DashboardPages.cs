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

    /// <summary>The page does not scroll sideways, and each element named is within the screen without scrolling sideways itself.</summary>
    public static async Task AssertFitsAsync(this IPage page, params string[] selectors)
    {
        var overflow = await page.EvaluateAsync<string[]>("""
            selectors => {
                const width = window.innerWidth;
                const wrong = [];
                if (document.documentElement.scrollWidth > width)
                    wrong.push(`the page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`);
                for (const selector of selectors) {
                    const element = document.querySelector(selector);
                    if (!element) { wrong.push(`${selector}: not on the page`); continue; }
                    const box = element.getBoundingClientRect();
                    if (box.left < 0 || box.right > width + 0.5) wrong.push(`${selector}: from ${box.left}px to ${box.right}px`);
                    if (element.scrollWidth > element.clientWidth + 1) wrong.push(`${selector}: scrolls sideways (${element.scrollWidth}px in ${element.clientWidth}px)`);
                }
                return wrong;
            }
            """, selectors);
        Assert.True(overflow.Length == 0, $"{page.Url}:\n{string.Join("\n", overflow)}");
    }
}
