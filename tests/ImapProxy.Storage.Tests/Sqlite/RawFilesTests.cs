using System.Security.Cryptography;
using ImapProxy.Protocol;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Writing;
using Microsoft.Extensions.Logging;
using ImapProxy.Storage.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Storage.Tests.Sqlite;

/// <summary>
/// The SQLite store keeps raw bytes in a file per session and direction beside the database, and the raw table
/// says where: what a user relies on is that every byte comes back where it was in the stream, that a gap stays a
/// gap, that the files hold only what was kept (retention counts them), and that a file lost by hand costs its
/// bytes, never the session or a search.
/// </summary>
public sealed class RawFilesTests
{
    [Fact]
    public async Task RawBytes_GoToAFilePerDirection_HoldingOnlyWhatWasKept_AndReadBackAtTheirOffsets()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        var first = RandomNumberGenerator.GetBytes(70_000);  // more than a raw row: two rows, one file
        var second = RandomNumberGenerator.GetBytes(500);    // after a cut literal's gap of almost a megabyte
        h.Bus.Publish(Synthetic.Opened(id));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 0, first));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 1_000_000, second));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, 0, "a1 NOOP\r\n"u8.ToArray()));
        await h.IdleAsync();

        var files = h.Store.RawFiles!;
        Assert.Equal(70_500, new FileInfo(files.PathOf(id, "server")).Length);
        Assert.Equal(9, new FileInfo(files.PathOf(id, "client")).Length);
        var segments = h.Store.GetRawSegments(id, Direction.Server);
        Assert.Equal([0L, 1_000_000L], segments.Select(s => s.Offset));
        Assert.Equal(first, segments[0].Data);
        Assert.Equal(second, segments[1].Data);
        Assert.Equal("a1 NOOP\r\n"u8.ToArray(), h.Store.GetRaw(id, Direction.Client));
        // The database holds where the bytes are, not the bytes.
        using var connection = h.Store.OpenConnection();
        using var command = EventStore.Command(connection, "SELECT count(*), sum(length(data)), sum(length) FROM raw WHERE session_id = @id", ("@id", id));
        using var reader = command.ExecuteReader();
        reader.Read();
        Assert.Equal((4L, 0L, 70_509L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
    }

    [Fact]
    public async Task ARawFileRemovedByHand_CostsItsBytes_NotTheSessionNorASearch()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        using (var s = new Conversation(h.Bus, id, Synthetic.Time))
        {
            s.Open("127.0.0.1:50000", "imap.example.test:993");
            s.Server("* OK ready\r\n").Client("a1 NOOP\r\n").Server("a1 OK done\r\n").Close();
        }
        await h.IdleAsync();

        File.Delete(h.Store.RawFiles!.PathOf(id, "server"));

        Assert.Empty(h.Store.GetRawSegments(id, Direction.Server));
        Assert.Equal("a1 NOOP\r\n"u8.ToArray(), h.Store.GetRaw(id, Direction.Client));
        Assert.Contains(h.Store.GetEvents(id, 0, 100), e => e is { Type: "frame", Name: "NOOP" });
        var queries = new QueryService(h.Store);
        Assert.Empty(queries.Sessions(Filter.Parse("body:ready"), 10).Rows);
        Assert.Equal([id], queries.Sessions(Filter.Parse("body:NOOP"), 10).Rows.Select(s => s.Id));
    }

    [Fact]
    public async Task ARawFileCutByHand_ReadsBackWhatItStillHolds_NeverInventedBytes()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        var first = RandomNumberGenerator.GetBytes(70_000);
        var second = RandomNumberGenerator.GetBytes(500);
        h.Bus.Publish(Synthetic.Opened(id));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 0, first));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 70_000, second));
        await h.IdleAsync();

        // Cut in the middle of the first run: the rest of it and all of the second are gone from the file.
        using (var file = new FileStream(h.Store.RawFiles!.PathOf(id, "server"), FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            file.SetLength(30_000);

        Assert.Equal(first[..30_000], h.Store.GetRaw(id, Direction.Server));
        var segments = h.Store.GetRawSegments(id, Direction.Server);
        Assert.Equal(first[..30_000], segments.Single(s => s.Offset == 0).Data);
        Assert.All(segments.Where(s => s.Offset != 0), s => Assert.Empty(s.Data));
    }

    [Fact]
    public async Task TheBytesRetentionCounts_FollowAppendsAndDeletes()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var files = h.Store.RawFiles!;
        var (a, b) = (h.Store.NextSessionId(), h.Store.NextSessionId());
        foreach (var id in new[] { a, b })
        {
            h.Bus.Publish(Synthetic.Opened(id));
            h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 0, new byte[100_000]));
            h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, 0, new byte[10]));
        }
        await h.IdleAsync();
        Assert.Equal(OnDisk(), files.UsedBytes());
        Assert.Equal(200_020, OnDisk());

        Assert.Equal(0, files.Delete([a]));
        h.Bus.Publish(Synthetic.Raw(b, EventSource.Server, 100_000, new byte[5]));
        await h.IdleAsync();

        Assert.Equal(100_015, OnDisk());
        Assert.Equal(OnDisk(), files.UsedBytes());
        // The store kept b's files open to append to them; a's are not held: their space is free.
        Assert.DoesNotContain(OpenFiles(), path => path.StartsWith(files.PathOf(a, ""), StringComparison.Ordinal));
        Assert.Contains(OpenFiles(), path => path == files.PathOf(b, "server"));

        long OnDisk() => new DirectoryInfo(files.Directory).EnumerateFiles().Sum(f => f.Length);
    }

    [Fact]
    public async Task ManySessionsWrittenInTurn_KeepEveryByte_WithoutHoldingAFileOpenForEach()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var ids = Enumerable.Range(0, 200).Select(_ => h.Store.NextSessionId()).ToArray();
        foreach (var id in ids) h.Bus.Publish(Synthetic.Opened(id));
        // Three NOOP round trips each, the sessions taking turns, as a busy proxy's store sees them.
        for (var round = 0; round < 3; round++)
        {
            foreach (var id in ids)
            {
                h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, round * 9, "a1 NOOP\r\n"u8.ToArray()));
                h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, round * 12, "a1 OK done\r\n"u8.ToArray()));
            }
            await h.IdleAsync();
        }

        foreach (var id in ids)
        {
            Assert.Equal("a1 NOOP\r\na1 NOOP\r\na1 NOOP\r\n"u8.ToArray(), h.Store.GetRaw(id, Direction.Client));
            Assert.Equal("a1 OK done\r\na1 OK done\r\na1 OK done\r\n"u8.ToArray(), h.Store.GetRaw(id, Direction.Server));
        }
        // 400 files written in turn; a few dozen held open at most, not one per file.
        var directory = h.Store.RawFiles!.Directory;
        Assert.InRange(OpenFiles().Count(path => path.StartsWith(directory, StringComparison.Ordinal)), 0, 64);
    }

    [Fact]
    public async Task StoppingTheStore_LetsGoOfEveryRawFile()
    {
        var h = new StoreHarness();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        // A large run (written past the page cache, through a second handle) and a small one.
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 0, RandomNumberGenerator.GetBytes(70_000)));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, 0, "a1 NOOP\r\n"u8.ToArray()));
        await h.IdleAsync();
        var directory = h.Store.RawFiles!.Directory;
        Assert.Equal(3, OpenFiles().Count(path => path.StartsWith(directory, StringComparison.Ordinal)));

        await h.DisposeAsync();

        Assert.DoesNotContain(OpenFiles(), path => path.StartsWith(directory, StringComparison.Ordinal));
    }

    /// <summary>The files this process holds open (Linux: /proc/self/fd), removed ones with " (deleted)" after their path.</summary>
    private static List<string> OpenFiles()
    {
        var paths = new List<string>();
        foreach (var fd in new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos())
        {
            try
            {
                if (fd.LinkTarget is { } target) paths.Add(target);
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }
        return paths;
    }

    [Fact]
    public async Task ALongDownload_GoesPastThePageCache_EndsWhereItsLastByteDoes_AndReadsBackWhole()
    {
        // On a disk: where /tmp is a tmpfs, its files live in the page cache and cannot leave it.
        using var disk = new TempDirectory(under: "/var/tmp");
        await using var h = new StoreHarness(directory: disk);
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        var path = h.Store.RawFiles!.PathOf(id, "server");
        // A greeting first, so the download starts in the middle of a disk block.
        var greeting = "* OK IMAP4rev1 ready\r\n"u8.ToArray();
        var body = RandomNumberGenerator.GetBytes(40 * 1024 * 1024);
        h.Bus.Publish(Synthetic.Opened(id));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 0, greeting));
        await h.IdleAsync();
        // As the recording hands them on: rows of 64 KiB; a batch every 1.5 MiB, so each batch ends in the middle of
        // its file's 1 MiB buffer and its flush writes whole blocks too.
        for (var offset = 0; offset < body.Length; offset += 64 * 1024)
        {
            h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, greeting.Length + offset, body[offset..(offset + 64 * 1024)]));
            if ((offset + 64 * 1024) % (1536 * 1024) != 0 && offset + 64 * 1024 != body.Length) continue;
            await h.IdleAsync();
            // Each batch ends with the file ending at its last byte: no padding, nothing left in memory.
            Assert.Equal(greeting.Length + offset + 64 * 1024, new FileInfo(path).Length);
        }

        // 40 MiB written, at most the last part block of each batch passed through the cache, and was let go by the next.
        Assert.InRange(ResidentBytes(path), 0, 2 * 4096);
        Assert.Equal([.. greeting, .. body], h.Store.GetRaw(id, Direction.Server));
    }

    [Fact]
    public async Task RunsLargerThanAWriteBuffer_SmallOnesBetween_AndFiveSessionsInTurn_KeepEveryByteInPlace()
    {
        // Rows of 1 MiB and a bit: each run crosses a file's 1 MiB buffer and ends off a block boundary. Five
        // downloads in turn: one more than are gathered at once, so one is written out each time another takes over.
        const int rowBytes = 1024 * 1024 + 1_001;
        using var disk = new TempDirectory(under: "/var/tmp");
        await using var h = new StoreHarness(o => o with { RawRowBytes = rowBytes }, directory: disk);
        await h.StartAsync();
        var ids = Enumerable.Range(0, 5).Select(_ => h.Store.NextSessionId()).ToArray();
        var sent = ids.ToDictionary(id => id, _ => new List<byte>());
        foreach (var id in ids) h.Bus.Publish(Synthetic.Opened(id));
        for (var batch = 0; batch < 3; batch++)
        {
            // Within one batch, large and small runs of every session in turn.
            foreach (var size in new[] { rowBytes, 17, rowBytes, 4_096, 70_000 })
            foreach (var id in ids)
            {
                var bytes = RandomNumberGenerator.GetBytes(size);
                h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, sent[id].Count, bytes));
                sent[id].AddRange(bytes);
            }
            await h.IdleAsync();
            foreach (var id in ids) Assert.Equal(sent[id].Count, new FileInfo(h.Store.RawFiles!.PathOf(id, "server")).Length);
        }

        foreach (var id in ids) Assert.Equal(sent[id].ToArray(), h.Store.GetRaw(id, Direction.Server));
        Assert.Equal(new DirectoryInfo(h.Store.RawFiles!.Directory).EnumerateFiles().Sum(f => f.Length), h.Store.RawFiles.UsedBytes());
    }

    [Fact]
    public async Task ADownloadsFileClosedForOthers_WhileItsBytesWaitInMemory_KeepsThem()
    {
        // One session's large run waits in memory for its batch's end (it goes past the page cache); 64 other
        // sessions' small runs in the same batch make its file the least recently used of those held open, so it is
        // the one closed: its waiting bytes must be written then, not left behind with the handle.
        using var disk = new TempDirectory(under: "/var/tmp");
        await using var h = new StoreHarness(directory: disk);
        await h.StartAsync();
        var download = h.Store.NextSessionId();
        var others = Enumerable.Range(0, 64).Select(_ => h.Store.NextSessionId()).ToArray();
        var body = RandomNumberGenerator.GetBytes(100_000);
        foreach (var id in others.Prepend(download)) h.Bus.Publish(Synthetic.Opened(id));
        h.Bus.Publish(Synthetic.Raw(download, EventSource.Server, 0, body));
        foreach (var id in others) h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 0, "* OK ready\r\n"u8.ToArray()));
        await h.IdleAsync();

        Assert.Equal(body, h.Store.GetRaw(download, Direction.Server));
        Assert.All(others, id => Assert.Equal("* OK ready\r\n"u8.ToArray(), h.Store.GetRaw(id, Direction.Server)));
    }

    [Fact]
    public async Task ARawFileThatCannotBeWritten_IsSaidAsWhatItIs_NotAsAFullDisk()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        // Something else where the session's file goes: a directory of that name.
        Directory.CreateDirectory(h.Store.RawFiles!.PathOf(id, "server"));
        h.Bus.Publish(Synthetic.Opened(id));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 0, "* OK ready\r\n"u8.ToArray()));
        await h.IdleAsync();

        Assert.True(h.Writer.EventsLost > 0);
        Assert.DoesNotContain("disk is full", h.Writer.LastProblem);
        Assert.Contains($"{id}.server", h.Writer.LastProblem);
    }

    /// <summary>
    /// A store whose first batch will fail: a session's raw file has a directory in its place and its bytes are queued
    /// first, then another session's opening. What a test publishes next, before starting the writer, joins that
    /// batch, and the blocked file fails it before the other session's bytes are written.
    /// </summary>
    private static (StoreHarness Harness, long Other) FailingFirstBatch()
    {
        var h = new StoreHarness();
        var blocked = h.Store.NextSessionId();
        var other = h.Store.NextSessionId();
        Directory.CreateDirectory(h.Store.RawFiles!.PathOf(blocked, "server"));
        h.Bus.Publish(Synthetic.Raw(blocked, EventSource.Server, 0, "* OK ready\r\n"u8.ToArray()));
        h.Bus.Publish(Synthetic.Opened(other));
        return (h, other);
    }

    [Fact]
    public async Task ABatchThatFails_LeavesNoneOfItsEvents_ForTheNextBatchToStore()
    {
        var (harness, bystander) = FailingFirstBatch();
        await using var h = harness;
        h.Bus.Publish(Synthetic.Action(bystander, 2));
        h.Bus.Publish(Synthetic.Raw(bystander, EventSource.Server, 0, "* OK ready\r\n"u8.ToArray()));
        await h.StartAsync();
        await h.IdleAsync();
        Assert.Equal(4, h.Writer.EventsLost);

        h.Bus.Publish(Synthetic.Action(bystander, 3));
        h.Bus.Publish(Synthetic.Raw(bystander, EventSource.Server, 12, "* 1 EXISTS\r\n"u8.ToArray()));
        await h.IdleAsync();

        // What the failed batch held is lost, and counted as lost: none of it turns up later beside what came after.
        Assert.Equal([3L], h.Store.GetEvents(bystander, 0, 10).Select(e => e.Sequence));
        Assert.Equal([12L], h.Store.GetRawSegments(bystander, Direction.Server).Select(s => s.Offset));
        var session = h.Store.GetSession(bystander)!;
        Assert.Equal((true, 3L), (session.CaptureIncomplete, session.DroppedEvents));
    }

    [Fact]
    public async Task ABatchThatFailsWithASessionsClose_StillEndsThatSession_AndCountsWhatTheBusHadDroppedBeforeIt()
    {
        using var cts = new CancellationTokenSource(StoreHarness.Timeout);
        var (harness, ended) = FailingFirstBatch();
        await using var h = harness;
        // The failing batch holds the whole of the other session: the bus's notice that 5 of its events were dropped
        // before, and its close.
        h.Bus.Publish(new CaptureIncomplete
        {
            SessionId = ended, Sequence = 2, Time = Synthetic.Time, Elapsed = TimeSpan.Zero, Source = EventSource.Proxy, DroppedEvents = 5,
        });
        h.Bus.Publish(Synthetic.Closed(ended, 3));
        await h.StartAsync();
        await h.IdleAsync();

        // The retry that marks the lost sessions (one transaction) also ends this one: it is not left "live" for ever.
        // Its capture lacks the opening, the notice and the close, and the 5 events the notice stood for: 8.
        while (h.Store.GetSession(ended) is not { CaptureIncomplete: true }) await Task.Delay(20, cts.Token);
        var session = h.Store.GetSession(ended)!;
        Assert.Equal(Synthetic.Time.AddSeconds(30), session.EndedAt);
        Assert.Equal(StoredText.Of(CloseReason.ClientClosed), session.CloseReason);
        Assert.Equal((true, 8L), (session.CaptureIncomplete, session.DroppedEvents));
    }

    [Fact]
    public async Task AFileThatFailsAgain_IsLoggedOnceAMinute_AndItsNextBytesAreStoredOnceItCanBeWritten()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        var blocked = h.Store.RawFiles!.PathOf(id, "server");
        Directory.CreateDirectory(blocked);
        h.Bus.Publish(Synthetic.Opened(id));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 0, "* OK ready\r\n"u8.ToArray()));
        await h.IdleAsync();
        var lost = h.Writer.EventsLost;
        Assert.True(lost > 0);

        // Failing again within the minute: more lost, no second error line (a nearly full disk would fill the log).
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 12, "* 1 EXISTS\r\n"u8.ToArray()));
        await h.IdleAsync();
        Assert.True(h.Writer.EventsLost > lost);
        var error = Assert.Single(h.Logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"{id}.server", error.Message);

        // The file can be written again: healthy, and the next bytes are where they were in the stream.
        Directory.Delete(blocked);
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 24, "* 2 EXISTS\r\n"u8.ToArray()));
        await h.IdleAsync();
        Assert.Equal(StoreHealth.Ok, h.Writer.Health);
        Assert.Equal([24L], h.Store.GetRawSegments(id, Direction.Server).Select(s => s.Offset));
    }

    [Fact]
    public async Task AFullDiskMidDownload_LosesThatBatchOnly_SaysSo_AndTheStoreCountsWhatItsFilesHold()
    {
        using var cts = new CancellationTokenSource(StoreHarness.Timeout);
        using var directory = new TempDirectory(under: "/var/tmp");
        await using var h = new StoreHarness(directory: directory);
        // Only the raw files run out of room: the database beside them has room for the rows a flawed store would
        // commit for bytes it never wrote.
        await using var disk = await SmallDisk.MountAsync(4, cts.Token, at: h.Store.RawFiles!.Directory);
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        const int mib = 1024 * 1024;
        var (first, second, third) = (RandomNumberGenerator.GetBytes(2 * mib), RandomNumberGenerator.GetBytes(mib / 2), RandomNumberGenerator.GetBytes(mib));
        h.Bus.Publish(Synthetic.Opened(id));
        Download(first, 0);
        await h.IdleAsync();
        var files = h.Store.RawFiles!;
        // Counted from here on, as retention does.
        Assert.Equal(2 * mib, files.UsedBytes());

        // No room for the next half megabyte, which waits in memory until the batch ends: the batch fails there,
        // and the writer says why.
        var filler = disk.Fill();
        Download(second, 2 * mib);
        await h.IdleAsync();
        Assert.True(h.Writer.EventsLost > 0);
        Assert.Contains("the disk is full", h.Writer.LastProblem);

        // Room again: the next bytes are stored, where they were in the stream; the lost ones read as a gap.
        File.Delete(filler);
        Download(third, 3 * mib);
        await h.IdleAsync();
        var segments = h.Store.GetRawSegments(id, Direction.Server);
        Assert.Equal([0L, 3L * mib], segments.Select(s => s.Offset));
        Assert.Equal(first, segments[0].Data);
        Assert.Equal(third, segments[1].Data);
        // What the failed batch had written stays in the file, unreferenced, and counts as space taken.
        Assert.Equal(new DirectoryInfo(files.Directory).EnumerateFiles().Sum(f => f.Length), files.UsedBytes());

        void Download(byte[] body, int offset)
        {
            for (var at = 0; at < body.Length; at += 64 * 1024)
                h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, offset + at, body[at..(at + 64 * 1024)]));
        }
    }

    /// <summary>The bytes of a file in the page cache, as util-linux's fincore counts them.</summary>
    private static long ResidentBytes(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("fincore", ["--bytes", "--noheadings", "--output", "RES", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("fincore is not installed: apt-get install util-linux-extra, or run tools/install-prerequisites.sh");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(10_000), "fincore did not finish in 10 s");
            Assert.True(process.ExitCode == 0, $"fincore failed: {process.StandardError.ReadToEnd()}");
            return long.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
