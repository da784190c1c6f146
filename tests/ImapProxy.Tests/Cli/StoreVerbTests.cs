using System.Text.Json;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;

namespace ImapProxy.Tests.Cli;

/// <summary><c>imapproxy sessions/events/export/import</c> as a user runs them, on the store of a real proxy.</summary>
[Collection(DovecotCollection.Name)]
public sealed class StoreVerbTests(DovecotFixture fixture)
{
    [Fact]
    public async Task SessionsEventsAndExport_ReadTheStoreWhileTheProxyRuns()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        await proxy.RecordSessionAsync(cts.Token);
        var data = proxy.DataDirectory;

        var table = await Support.Cli.RunAsync("sessions", "--data", data, "--filter", "user:alice");
        var json = await Support.Cli.RunAsync("sessions", "--data", data, "--json");
        var none = await Support.Cli.RunAsync("sessions", "--data", data, "--filter", "user:nobody");
        var events = await Support.Cli.RunAsync("events", "1", "--data", data, "--filter", "cmd:EXAMINE");
        var transcriptFile = Path.Combine(data, "..", "session-1.txt");
        var export = await Support.Cli.RunAsync("export", "1", "--format", "transcript", "-o", transcriptFile, "--data", data);

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("alice", table.Output);
        // After LOGOUT both sides close at once; which EOF the proxy sees first is a race.
        Assert.Matches("(client|server)-closed", table.Output);
        Assert.Equal(0, json.ExitCode);
        // The proxy recorded one session: one JSON line, alice's.
        Assert.Equal("alice", JsonDocument.Parse(Assert.Single(json.Output.Trim().Split('\n'))).RootElement.GetProperty("user").GetString());
        // Nothing matching is not an error: exit 0, and no row of alice's (a failed run would pass the second check alone).
        Assert.Equal(0, none.ExitCode);
        Assert.DoesNotContain("alice", none.Output);
        Assert.Equal(0, events.ExitCode);
        Assert.Contains("EXAMINE", events.Output);
        Assert.Contains("command-completed", events.Output);
        Assert.Equal(0, export.ExitCode);
        Assert.Contains("EXAMINE INBOX", await File.ReadAllTextAsync(transcriptFile, cts.Token));
    }

    [Fact]
    public async Task ImportRawlog_FromARealDovecot_MakesASessionWithItsCommandsAndCompletions()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var marker = $"import-{Guid.NewGuid():N}"[..20];
        // A session straight to Dovecot, without the proxy: Dovecot's rawlog is the only record.
        using (var client = await fixture.Server.ConnectAsync(DovecotUser.Alice, ct: cts.Token))
        {
            await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(marker, true, cts.Token);
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            await client.DisconnectAsync(true, cts.Token);
        }
        var rawlog = await fixture.Server.WaitForRawlogAsync("alice", marker, cts.Token);
        var data = Directory.CreateTempSubdirectory("imapproxy-import-").FullName;
        try
        {
            var import = await Support.Cli.RunAsync("import", "rawlog", rawlog, "--data", data);
            Assert.Equal(0, import.ExitCode);
            var id = import.Output.Trim();

            var events = await Support.Cli.RunAsync("events", id, "--data", data, "--json");
            var rows = events.Output.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var commands = rows.Where(r => r.GetProperty("type").GetString() == "frame" && r.GetProperty("frame").GetProperty("kind").GetString() == "command")
                .Select(r => r.GetProperty("frame").GetProperty("command").GetString()).ToList();
            var completions = rows.Where(r => r.GetProperty("type").GetString() == "command-completed").Select(r => r.GetProperty("command").GetString()).ToList();
            Assert.Contains("CREATE", commands);
            Assert.Contains("EXAMINE", commands);
            Assert.Contains("LOGOUT", commands);
            Assert.Equal(commands, completions);
            Assert.DoesNotContain(rows, r => r.ToString().Contains("\"diagnostics\""));
            var check = await Support.Cli.RunAsync("replay", id, "--check", "--data", data);
            Assert.Contains("server replay: the capture has no server greeting (a Dovecot rawlog starts after login)", check.Output);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
