using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using ImapProxy.Protocol;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Import;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Export;

public class RawlogExportTests
{
    [Theory]
    [MemberData(nameof(CapturedSessions.Recordings), MemberType = typeof(CapturedSessions))]
    public async Task Rawlog_ExportedThenImported_GivesTheSameCommandsCompletionsLatenciesAndBytes(string name)
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, name);
        using var temp = new TempDirectory();
        var zip = temp.Combine("session.zip");
        await using (var output = File.Create(zip)) await SessionExport.WriteRawlogAsync(h.Store, id, output);

        using (var archive = ZipFile.OpenRead(zip))
        {
            Assert.Equal([$"imapproxy-session-{id}.in", $"imapproxy-session-{id}.out"], archive.Entries.Select(e => e.FullName));
            archive.ExtractToDirectory(temp.Path);
        }
        var imported = await RawlogImport.ImportAsync(h.Store, h.Bus, h.Writer, temp.Combine($"imapproxy-session-{id}"));

        Assert.NotEqual(id, imported);
        Assert.Equal(Commands(h, id), Commands(h, imported));
        Assert.Equal(Completions(h, id), Completions(h, imported));
        Assert.Equal(h.Store.GetRaw(id, Direction.Client), h.Store.GetRaw(imported, Direction.Client));
        Assert.Equal(h.Store.GetRaw(id, Direction.Server), h.Store.GetRaw(imported, Direction.Server));
        var (original, copy) = (h.Store.GetSession(id)!, h.Store.GetSession(imported)!);
        Assert.Equal((original.Commands, original.Failures, original.Anomalies, original.State), (copy.Commands, copy.Failures, copy.Anomalies, copy.State));
        Assert.Equal(0, copy.Anomalies);
    }

    [Fact]
    public async Task Rawlog_OfASmallSession_IsTheLinesDovecotWouldWrite()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        // One step each 5 ms from 2026-11-25 22:14:53 UTC (1795644893 s after the epoch).
        var id = await CapturedSessions.CaptureAsync(h, 1024,
            (Direction.Server, "* OK ready\r\n"),
            (Direction.Client, "a1 NOOP\r\n"),
            (Direction.Server, "a1 OK done\r\n"),
            (Direction.Client, "a2 LOGOUT\r\n"),
            (Direction.Server, "* BYE bye\r\na2 OK logged out\r\n"));

        var (client, server) = await ExportAsync(h, id);

        // Dovecot's rawlog: each line prefixed with "seconds.microseconds " of the write that carried it, the line's
        // own CRLF kept; two lines of one write share its stamp.
        Assert.Equal("1795644893.010000 a1 NOOP\r\n1795644893.020000 a2 LOGOUT\r\n", client);
        Assert.Equal("1795644893.005000 * OK ready\r\n1795644893.015000 a1 OK done\r\n" +
                     "1795644893.025000 * BYE bye\r\n1795644893.025000 a2 OK logged out\r\n", server);
    }

    [Fact]
    public async Task Rawlog_OfASessionDovecotLogged_IsDovecotsOwnFiles()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var (client, server) = await ExportAsync(h, await CapturedSessions.CaptureAsync(h, "dovecot-rawlog"));

        // The fixture files are what Dovecot 2.3.19 wrote for this session: captured and exported, the same lines come
        // out. Only the stamps of a literal's lines may differ (a command carries one time, Dovecot stamps each read).
        Assert.Equal(Unstamped(File.ReadAllText(CapturedSessions.Fixture("dovecot-rawlog.in"), Encoding.Latin1)), Unstamped(client));
        Assert.Equal(Unstamped(File.ReadAllText(CapturedSessions.Fixture("dovecot-rawlog.out"), Encoding.Latin1)), Unstamped(server));
    }

    [Fact]
    public async Task Rawlog_LinesStartWithDovecotTimestamps_OfTheirEvents()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var (client, server) = await ExportAsync(h, await CapturedSessions.CaptureAsync(h, "dovecot-rawlog"));
        Assert.All(client.Split('\n')[..^1].Concat(server.Split('\n')[..^1]), l => Assert.Matches(@"^\d{10}\.\d{6} ", l));
        // Dovecot's own stamps, kept to the microsecond through capture, store and export.
        Assert.Contains("1795644893.203149 B00000004 CREATE rec-3b3c60d9e5c8\r\n", client);
        Assert.Contains("1795644893.210214 B00000004 OK Create completed", server);
    }

    [Fact]
    public async Task Rawlog_OfSynchronizingLiterals_KeepsTheClientWaitingForEachContinuation()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, 1024, [
            .. CapturedSessions.LiteralLogin,
            (Direction.Client, "a2 APPEND INBOX {12}\r\n"),
            (Direction.Server, "+ ready\r\n"),
            (Direction.Client, "Subject: hi\n\r\n"),
            (Direction.Server, "a2 OK appended\r\n")]);
        using var temp = new TempDirectory();
        await using (var output = File.Create(temp.Combine("session.zip"))) await SessionExport.WriteRawlogAsync(h.Store, id, output, "s");
        ZipFile.ExtractToDirectory(temp.Combine("session.zip"), temp.Path);

        var imported = await RawlogImport.ImportAsync(h.Store, h.Bus, h.Writer, temp.Combine("s"));

        // Each head line carries the time of the continuation that released it: a reader puts it before.
        var client = await File.ReadAllTextAsync(temp.Combine("s.in"));
        var server = await File.ReadAllTextAsync(temp.Combine("s.out"));
        Assert.Contains(".015000 + go on", server);
        Assert.Contains(".015000 a1 LOGIN {5}", client);
        Assert.Equal(Commands(h, id), Commands(h, imported));
        Assert.Equal(Completions(h, id), Completions(h, imported));
        Assert.Equal(h.Store.GetRaw(id, Direction.Client), h.Store.GetRaw(imported, Direction.Client));
        Assert.Equal((0L, 0L), (h.Store.GetSession(id)!.Anomalies, h.Store.GetSession(imported)!.Anomalies));
    }

    private static List<string> Commands(StoreHarness h, long id) =>
        h.Store.GetEvents(id, 0, 100_000).Where(e => e.Kind == "command").Select(e => $"{e.Offset} {e.Tag} {e.Name}").ToList();

    private static List<string> Completions(StoreHarness h, long id) =>
        h.Store.GetEvents(id, 0, 100_000).Where(e => e.Type == "command-completed")
            .Select(e => $"{e.Offset} {e.Tag} {e.Name} {e.Status} {e.Latency!.Value.TotalMicroseconds}").ToList();

    private static string Unstamped(string rawlog) => Regex.Replace(rawlog, @"^\d{10}\.\d{6} ", "", RegexOptions.Multiline);

    private static string Text(ZipArchive archive, string name)
    {
        using var reader = new StreamReader(archive.GetEntry(name)!.Open(), Encoding.Latin1);
        return reader.ReadToEnd();
    }

    /// <summary>The rawlog pair of a stored session, as its export writes it (BASE.in, BASE.out in a zip).</summary>
    private static async Task<(string In, string Out)> ExportAsync(StoreHarness h, long id)
    {
        using var output = new MemoryStream();
        await SessionExport.WriteRawlogAsync(h.Store, id, output, baseName: "exported");
        using var archive = new ZipArchive(new MemoryStream(output.ToArray()));
        return (Text(archive, "exported.in"), Text(archive, "exported.out"));
    }
}
