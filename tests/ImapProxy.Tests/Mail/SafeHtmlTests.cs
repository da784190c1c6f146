using ImapProxy.Mail;

namespace ImapProxy.Tests.Mail;

public sealed class SafeHtmlTests
{
    [Fact]
    public void Filter_DropsWhatNeitherTheSandboxNorThePolicyStops_AndKeepsTheLook()
    {
        const string hostile = """
            <html><head><meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/refresh">
            <base href="http://127.0.0.1:9/"><link rel="dns-prefetch" href="//tracker.example">
            <script>document.title = 'ran';</script></head>
            <body onload="alert(1)"><p style="color: red">Hello</p><img src="data:image/gif;base64,R0lGOD" onerror="alert(2)">
            <iframe src="http://127.0.0.1:9/frame"></iframe></body></html>
            """;

        var safe = SafeHtml.Filter(hostile);

        foreach (var gone in new[] { "<meta", "<base", "<link", "<script", "document.title", "onload", "onerror", "<iframe" })
            Assert.DoesNotContain(gone, safe, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<p style=\"color: red\">Hello</p>", safe);
        Assert.Contains("src=\"data:image/gif;base64,R0lGOD\"", safe);
    }
}
