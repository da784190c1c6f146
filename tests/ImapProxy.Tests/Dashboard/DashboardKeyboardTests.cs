using System.Text.RegularExpressions;
using ImapProxy.Recording;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ImapProxy.Tests.Dashboard;

/// <summary>
/// j/k and Enter in Chromium on lists longer than Virtualize renders at once: each press moves exactly one item, the
/// focused item stays in view. (Before the items were keyed, the focused element was handed another item when the
/// window slid, so j skipped 12 to 23 items past the 40th.)
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class DashboardKeyboardTests(DovecotFixture dovecot, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const int Noops = 300;

    [Fact]
    public async Task SessionTimeline_JMovesOneItemAtATimeToTheEnd_KGoesBack_EnterOpens()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");
        var id = await proxy.RecordSessionAsync(cts.Token, async client =>
        {
            for (var i = 0; i < Noops; i++) await client.NoOpAsync(cts.Token);
        });
        var (page, refused) = await browser.OpenAsync($"{proxy.Dashboard}sessions/{id}");

        var focused = page.Locator(".timeline .item:focus");
        await page.Locator(".timeline .item[data-command='NOOP']").First.FocusAsync();
        var tag = Tag.Of(await focused.GetAttributeAsync("data-tag"));
        for (var i = 1; i < Noops; i++)
        {
            await page.Keyboard.PressAsync("j");
            await Assertions.Expect(focused).ToHaveAttributeAsync("data-tag", tag.Plus(i));
            await Assertions.Expect(focused).ToBeInViewportAsync(new() { Ratio = 0.9f });
        }
        await page.Keyboard.PressAsync("j");
        await Assertions.Expect(focused).ToHaveAttributeAsync("data-command", "LOGOUT");

        for (var i = Noops - 1; i >= Noops - 5; i--)
        {
            await page.Keyboard.PressAsync("k");
            await Assertions.Expect(focused).ToHaveAttributeAsync("data-tag", tag.Plus(i));
            await Assertions.Expect(focused).ToBeInViewportAsync(new() { Ratio = 0.9f });
        }
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(focused.Locator(".parts")).ToContainTextAsync("NOOP completed");

        // Past the last item j stays on it, at the bottom of the timeline.
        for (var i = 0; i < 10; i++) await page.Keyboard.PressAsync("j");
        await page.WaitForFunctionAsync("""
            () => {
                const items = document.querySelectorAll(".timeline .item");
                const timeline = document.querySelector(".timeline");
                return document.activeElement === items[items.length - 1]
                    && timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 2;
            }
            """, null, new() { Timeout = 15_000 });
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }

    [Fact]
    public async Task SessionsList_JAndKMoveRowByRow_EnterOpensTheSession()
    {
        const int sessions = 120;
        await using var proxy = await ProxyHarness.StartAsync(dovecot.Server, "implicit");
        var ids = RecordEmptySessions(proxy, sessions);
        await proxy.FlushStoreAsync();
        var (page, refused) = await browser.OpenAsync(proxy.Dashboard.ToString());
        var newestFirst = ids.OrderDescending().ToList();

        var focused = page.Locator("tr.session:focus");
        await Assertions.Expect(page.Locator("tr.session").First).ToHaveAttributeAsync("data-session", $"{newestFirst[0]}");
        for (var i = 0; i < sessions; i++)
        {
            await page.Keyboard.PressAsync("j");
            await Assertions.Expect(focused).ToHaveAttributeAsync("data-session", $"{newestFirst[i]}");
            await Assertions.Expect(focused).ToBeInViewportAsync(new() { Ratio = 0.9f });
        }
        await page.Keyboard.PressAsync("j");
        await Assertions.Expect(focused).ToHaveAttributeAsync("data-session", $"{newestFirst[^1]}");
        for (var i = sessions - 2; i >= sessions - 30; i--)
        {
            await page.Keyboard.PressAsync("k");
            await Assertions.Expect(focused).ToHaveAttributeAsync("data-session", $"{newestFirst[i]}");
            await Assertions.Expect(focused).ToBeInViewportAsync(new() { Ratio = 0.9f });
        }

        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/sessions/{newestFirst[sessions - 30]}$"));
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync($"Session {newestFirst[sessions - 30]}");
        Assert.True(refused.Count == 0, string.Join("\n", refused));
    }

    /// <summary>Sessions recorded the way an import records them (opened, then closed), many in a moment.</summary>
    private static List<long> RecordEmptySessions(ProxyHarness proxy, int count)
    {
        var bus = proxy.Services.GetRequiredService<EventBus>();
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
        {
            var id = proxy.Store.NextSessionId();
            using var recording = new SessionRecording(id, new SessionOpened { Source = EventSource.Proxy, ClientAddress = $"10.0.0.{i % 250 + 1}:4000",
                ListenerAddress = "127.0.0.1:1993", Listener = ListenerKind.Tls, Upstream = "imap.example.com:993",
                UpstreamTls = UpstreamTlsMode.Implicit, ClientTls = ClientTlsMode.Mirror }, bus, TimeProvider.System, 1024);
            recording.Close(CloseReason.ClientClosed, "bye");
            ids.Add(id);
        }
        return ids;
    }

    /// <summary>A MailKit tag (A00000012): its prefix and number, so the test can say which command comes n later.</summary>
    private sealed record Tag(string Prefix, long Number, int Width)
    {
        public static Tag Of(string? tag)
        {
            var match = Regex.Match(tag ?? "", @"^(\D*)(\d+)$");
            Assert.True(match.Success, $"not a MailKit tag: {tag}");
            return new Tag(match.Groups[1].Value, long.Parse(match.Groups[2].Value), match.Groups[2].Length);
        }

        public string Plus(int n) => Prefix + (Number + n).ToString(new string('0', Width));
    }
}
