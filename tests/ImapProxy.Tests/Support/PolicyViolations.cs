using Microsoft.Playwright;

namespace ImapProxy.Tests.Support;

/// <summary>
/// What the dashboard's Content-Security-Policy refused in a page, as Chromium reports it on the console ("Refused to
/// load/execute/connect ... Content Security Policy ..."): a browser test that ends with none proves that the policy
/// let everything it did run.
/// </summary>
internal static class PolicyViolations
{
    public static IReadOnlyList<string> Watch(IPage page)
    {
        var refused = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                lock (refused) refused.Add(message.Text);
        };
        return refused;
    }
}
