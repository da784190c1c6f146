using System.Net.Http.Json;
using System.Text.Json;
using ImapProxy.Queries;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace ImapProxy.Tests.Findings;

/// <summary>
/// A real MailKit client through the proxy to a server that lies about RFC822.SIZE (scripted: Dovecot does not
/// lie on cue): what a user sees of it in the API, the CLI and the filter.
/// </summary>
[Collection(DovecotCollection.Name)]
public sealed class FindingsEndToEndTests(DovecotFixture fixture)
{
    private const string Message = "From: a@example.com\r\nTo: b@example.com\r\nSubject: sizes\r\n\r\nThe body of the message.\r\n";

    [Fact]
    public async Task ServerAnnouncingAWrongRfc822Size_IsFoundInTheApi_TheCli_AndTheFilter()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var actual = Message.Length;
        using var server = new MisbehavingServer(Message, announcedSize: actual + 4096);
        var serving = server.ServeOneAsync(cts.Token);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "none", "--upstream", $"127.0.0.1:{server.Port}");

        using (var client = new ImapClient())
        {
            await client.ConnectAsync("127.0.0.1", proxy.PlainPort, SecureSocketOptions.None, cts.Token);
            await client.AuthenticateAsync("alice", "secret", cts.Token);
            var inbox = client.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            var summary = Assert.Single(await inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, cts.Token));
            // MailKit believes the server: it would size its download by this.
            Assert.Equal((uint)(actual + 4096), summary.Size);
            using var fetched = await inbox.GetMessageAsync(summary.UniqueId, cts.Token);
            Assert.Equal("sizes", fetched.Subject);
            await client.DisconnectAsync(true, cts.Token);
        }
        await serving;
        await proxy.WaitForSessionsToCloseAsync();
        var id = Assert.Single(proxy.Store.GetSessions(1)).Id;

        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var findings = await http.GetFromJsonAsync<List<FindingView>>($"api/sessions/{id}/findings", JsonOptions, cts.Token);
        var finding = Assert.Single(findings!, f => f.Severity != "info");
        Assert.Equal(("rfc822-size-mismatch", "error"), (finding.Rule, finding.Severity));
        Assert.EndsWith($"message UID 1 has RFC822.SIZE {actual + 4096} but its whole body (BODY[]) is {actual} bytes (4096 bytes fewer than announced)", finding.Message);
        Assert.Equal(2, finding.Evidence.Count);
        var session = await http.GetFromJsonAsync<SessionView>($"api/sessions/{id}", JsonOptions, cts.Token);
        Assert.Equal(1, session!.Findings);
        var matching = await http.GetFromJsonAsync<SessionPage>("api/sessions?filter=finding:rfc822-size-mismatch", JsonOptions, cts.Token);
        Assert.Equal([id], matching!.Sessions.Select(s => s.Id));
        var totals = await http.GetFromJsonAsync<List<FindingTotalView>>("api/findings", JsonOptions, cts.Token);
        Assert.Contains(totals!, t => t is { Rule: "rfc822-size-mismatch", Count: 1, Sessions: 1 });

        // The CLI recomputes from the stored events, with an exit code for scripts.
        var (exit, output) = await Support.Cli.RunAsync("lint", id.ToString(), "--data", proxy.DataDirectory);
        Assert.Equal(4, exit);
        Assert.Contains($"session {id}: ", output);
        Assert.Contains("error   rfc822-size-mismatch  (RFC 3501 §7.4.2 (RFC822.SIZE))", output);
        Assert.Contains("clients: clients that allocate or show progress by RFC822.SIZE", output);
    }

    [Fact]
    public async Task CleanMailKitSession_AgainstDovecot_HasNoFindingAboveInfo()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");

        var id = await proxy.RecordSessionAsync(cts.Token, async client =>
        {
            var inbox = client.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            await inbox.FetchAsync(0, -1, MessageSummaryItems.All | MessageSummaryItems.BodyStructure, cts.Token);
            if (inbox.Count > 0) (await inbox.GetMessageAsync(0, cts.Token)).Dispose();
            await client.NoOpAsync(cts.Token);
        });

        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var findings = await http.GetFromJsonAsync<List<FindingView>>($"api/sessions/{id}/findings", JsonOptions, cts.Token);
        Assert.DoesNotContain(findings!, f => f.Severity != "info");
        var (exit, _) = await Support.Cli.RunAsync("lint", id.ToString(), "--data", proxy.DataDirectory);
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task Lint_WithoutAStoredSession_SaysSoInOneLine()
    {
        var empty = Directory.CreateTempSubdirectory("imapproxy-lint-");
        var (missing, missingOutput) = await Support.Cli.RunAsync("lint", "42", "--data", empty.FullName);
        var (notANumber, notANumberOutput) = await Support.Cli.RunAsync("lint", "file.bin");
        empty.Delete();

        Assert.Equal(1, missing);
        Assert.Contains("imapproxy lint: no store at", missingOutput);
        Assert.Equal(2, notANumber);
        Assert.Contains("SESSION must be a session id (a number), not 'file.bin'; for a file, add --from client|server", notANumberOutput);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
