using System.Text;
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

    /// <summary>
    /// Dovecot's BODYSTRUCTURE of messages of every usual shape agrees with the messages it sends: part sizes and text
    /// line counts included (the CRLF before a boundary belongs to the boundary, RFC 2046 §5.1.1; a last line without
    /// a line feed is a line). A false alarm here would flag every mailbox.
    /// </summary>
    [Fact]
    public async Task DovecotsBodyStructures_OfEveryShape_MatchTheMessages()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var folder = await Replay.ReplayScenario.CreateFolderAsync(fixture.Server, cts.Token,
            Encoding.ASCII.GetBytes("Subject: plain\r\n\r\nline one\r\nline two\r\n"),
            Encoding.ASCII.GetBytes("Subject: no end of line\r\n\r\nthe last line has no line feed"),
            Encoding.ASCII.GetBytes("Subject: alternative\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
                "preamble\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\nworld.\r\n\r\n--alt\r\n" +
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Hello,=\r\n world.</p>\r\n--alt--\r\nepilogue\r\n"),
            Messages.WithAttachment("attached", 3000),
            Encoding.ASCII.GetBytes("Subject: forwarded\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"out\"\r\n\r\n--out\r\n" +
                "Content-Type: text/plain\r\n\r\nSee below.\r\n--out\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n" +
                "--out--\r\n"));
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");

        var id = await proxy.RecordSessionAsync(cts.Token, async client =>
        {
            var opened = await client.GetFolder(client.PersonalNamespaces[0]).GetSubfolderAsync(folder, cts.Token);
            await opened.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            var summaries = await opened.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.BodyStructure, cts.Token);
            Assert.Equal(5, summaries.Count);
            foreach (var summary in summaries) (await opened.GetMessageAsync(summary.UniqueId, cts.Token)).Dispose();
        });

        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var findings = await http.GetFromJsonAsync<List<FindingView>>($"api/sessions/{id}/findings", JsonOptions, cts.Token);
        var alarms = findings!.Where(f => f.Severity != "info").Select(f => $"{f.Rule}: {f.Message}").ToList();
        Assert.True(alarms.Count == 0, string.Join("\n", alarms));
    }

    /// <summary>
    /// The real Dovecot gives a recreated folder a new UIDVALIDITY: the proxy's next session of the same user says so,
    /// naming the earlier session, which is what a phone that "loses its cache" needs to be told.
    /// </summary>
    [Fact]
    public async Task FolderRecreatedBetweenTwoSessions_IsFoundOnTheSecond()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var folder = await Replay.ReplayScenario.CreateFolderAsync(fixture.Server, cts.Token);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        async Task<(long Id, uint Validity)> OpenAsync()
        {
            uint validity = 0;
            var id = await proxy.RecordSessionAsync(cts.Token, async client =>
            {
                var opened = await client.GetFolder(client.PersonalNamespaces[0]).GetSubfolderAsync(folder, cts.Token);
                await opened.OpenAsync(FolderAccess.ReadOnly, cts.Token);
                validity = opened.UidValidity;
            });
            return (id, validity);
        }

        var (first, before) = await OpenAsync();
        using (var direct = await fixture.Server.ConnectAsync(DovecotUser.Alice, ct: cts.Token))
        {
            var personal = direct.GetFolder(direct.PersonalNamespaces[0]);
            await (await personal.GetSubfolderAsync(folder, cts.Token)).DeleteAsync(cts.Token);
            await personal.CreateAsync(folder, true, cts.Token);
        }
        var (second, after) = await OpenAsync();

        Assert.NotEqual(before, after);
        using var http = new HttpClient { BaseAddress = proxy.Dashboard };
        var firstFindings = await http.GetFromJsonAsync<List<FindingView>>($"api/sessions/{first}/findings", JsonOptions, cts.Token);
        Assert.DoesNotContain(firstFindings!, f => f.Rule == "uidvalidity-changed-between-sessions");
        var findings = await http.GetFromJsonAsync<List<FindingView>>($"api/sessions/{second}/findings", JsonOptions, cts.Token);
        var finding = Assert.Single(findings!, f => f.Rule == "uidvalidity-changed-between-sessions");
        var server = proxy.Store.GetSession(second)!.Upstream;
        Assert.Contains($"{folder} of alice on {server} had UIDVALIDITY {before} in session {first}", finding.Message);
        Assert.EndsWith($"now {after}", finding.Message);
    }

    [Fact]
    public async Task Lint_WithoutAStoredSession_SaysSoInOneLine()
    {
        var empty = Directory.CreateTempSubdirectory("imapproxy-lint-");
        var (missing, missingOutput) = await Support.Cli.RunAsync("lint", "42", "--data", empty.FullName);
        var (notANumber, notANumberOutput) = await Support.Cli.RunAsync("lint", "file.bin");
        empty.Delete();

        Assert.Equal(1, missing);
        Assert.Contains("imapproxy lint: no store in", missingOutput);
        Assert.Equal(2, notANumber);
        Assert.Contains("SESSION must be a session id (a number), not 'file.bin'; for a file, add --from client|server", notANumberOutput);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
