using Microsoft.Playwright;

namespace ImapProxy.Tests.Support;

/// <summary>With IMAPPROXY_SCREENSHOTS set to a folder (tools/screenshots.sh uses docs/), browser tests save their pages there.</summary>
internal static class Screenshots
{
    public static async Task SaveAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("IMAPPROXY_SCREENSHOTS") is not { Length: > 0 } folder) return;
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}.png"), FullPage = false });
    }
}
