using System.Net.Http.Json;
using System.Text.Json;
using ImapProxy.Queries;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;

namespace ImapProxy.Tests.Findings;

/// <summary>Two real MailKit sessions through the proxy to Dovecot, compared from the CLI and the API.</summary>
[Collection(DovecotCollection.Name)]
public sealed class CompareTests(DovecotFixture fixture)
{
    [Fact]
    public async Task TwoSessions_DivergeWhereOneAskedMore_AndASessionAgreesWithItself()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var first = await proxy.RecordSessionAsync(cts.Token, async client =>
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            await client.NoOpAsync(cts.Token);
        });
        var second = await proxy.RecordSessionAsync(cts.Token, async client =>
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            await client.Inbox.StatusAsync(StatusItems.Count, cts.Token);
            await client.NoOpAsync(cts.Token);
        });

        var (differ, text) = await Support.Cli.RunAsync("compare", first.ToString(), second.ToString(), "--data", proxy.DataDirectory);
        var (agree, same) = await Support.Cli.RunAsync("compare", first.ToString(), first.ToString(), "--data", proxy.DataDirectory);

        Assert.Equal(3, differ);
        Assert.Contains($"session {first} (MailKit (by its tags)) against session {second} (MailKit (by its tags))", text);
        Assert.Contains("first divergence: STATUS", text);
        Assert.Matches($@"only in {second}\s+- / \d+\s+STATUS", text);
        Assert.Equal(0, agree);
        Assert.Contains("the conversations agree", same);

        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var view = await http.GetFromJsonAsync<ComparisonView>($"api/sessions/{first}/compare/{second}", new JsonSerializerOptions(JsonSerializerDefaults.Web), cts.Token);
        Assert.Contains(view!.Steps, s => s is { Kind: "only-second", Command: "STATUS" });
        var missing = await http.GetAsync($"api/sessions/{first}/compare/999999", cts.Token);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }
}
