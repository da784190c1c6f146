using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using Microsoft.Playwright;

namespace ImapProxy.Tests.Dashboard;

/// <summary>
/// The dashboard on a phone (390×844, where a user who opened the CA page on the phone is): no page scrolls sideways,
/// and what each page is for fits the screen.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class DashboardPhoneTests(DovecotFixture dovecot, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly BrowserNewPageOptions Phone = new()
    {
        ViewportSize = new ViewportSize { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, DeviceScaleFactor = 2,
    };

    [Fact]
    public async Task OnAPhone_TheSessionsList_TheSessionPageAndTheFindings_FitTheScreen()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await SizeLieSession.RecordAsync(dovecot.Server, cts.Token);
        var (page, refused) = await browser.OpenAsync(proxy.Dashboard.ToString(), Phone);

        // The list: a session is a card with what tells sessions apart, and the list does not scroll sideways either.
        var row = page.Locator("tr.session");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("alice");
        await Assertions.Expect(row.Locator("td[data-findings]")).ToBeVisibleAsync();
        await AssertFitsAsync(page, ".table-wrap", "tr.session", ".filter-bar", ".topbar");
        await Screenshots.SaveAsync(page, "phone");

        // The session page: its header, the findings with their proof, and the timeline.
        await row.ClickAsync();
        var finding = page.Locator(".findings li.finding[data-rule='rfc822-size-mismatch']");
        await finding.Locator("button.link").First.ClickAsync();
        await Assertions.Expect(finding.Locator(".frame")).ToContainTextAsync("RFC822.SIZE");
        await AssertFitsAsync(page, ".session-header", ".toolbar", ".findings", "li.finding", ".timeline");

        // The findings across sessions.
        await page.GotoAsync(proxy.Dashboard + "findings");
        await Assertions.Expect(page.Locator("tr[data-rule='rfc822-size-mismatch']")).ToBeVisibleAsync();
        await AssertFitsAsync(page, ".table-wrap", "tr[data-rule]");
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }

    /// <summary>The page does not scroll sideways, and each element named is within the screen without scrolling sideways itself.</summary>
    private static async Task AssertFitsAsync(IPage page, params string[] selectors)
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
