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
        await page.AssertFitsAsync(".table-wrap", "tr.session", ".filter-bar", ".topbar");
        await Screenshots.SaveAsync(page, "phone");

        // The session page: its header, the findings with their proof, and the timeline.
        await row.ClickAsync();
        var finding = page.Locator(".findings li.finding[data-rule='rfc822-size-mismatch']");
        await finding.Locator("button.link").First.ClickAsync();
        await Assertions.Expect(finding.Locator(".frame")).ToContainTextAsync("RFC822.SIZE");
        await page.AssertFitsAsync(".session-header", ".toolbar", ".findings", "li.finding", ".timeline");

        // The findings across sessions.
        await page.GotoAsync(proxy.Dashboard + "findings");
        await Assertions.Expect(page.Locator("tr[data-rule='rfc822-size-mismatch']")).ToBeVisibleAsync();
        await page.AssertFitsAsync(".table-wrap", "tr[data-rule]");
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }

    /// <summary>A session whose client leg had TLS: the header's client hello (JA4, SNI, suites) and the timeline's
    /// TLS lines with the offers fit a phone too (issue 15 #10 and #11 together).</summary>
    [Fact]
    public async Task OnAPhone_ASessionWithTheClientsTlsOffer_FitsTheScreen()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");
        var id = await proxy.RecordSessionAsync(cts.Token);
        var (page, refused) = await browser.OpenAsync($"{proxy.Dashboard}sessions/{id}", Phone);

        await Assertions.Expect(page.Locator(".client-hello")).ToContainTextAsync("JA4");
        await page.AssertFitsAsync(".session-header", ".client-hello", ".timeline");
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }
}
