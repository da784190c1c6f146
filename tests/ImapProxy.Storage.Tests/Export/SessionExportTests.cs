using System.Text;
using System.Text.Json;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Export;

public abstract class SessionExportTests(StoreEngine engine)
{
    [Fact]
    public async Task Jsonl_IsTheStoredJsonOfEachEvent_InSequenceOrder()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, "imapproxy-capture");
        using var output = new MemoryStream();

        await SessionExport.WriteAsync(ExportFormat.Jsonl, h.Store, id, output);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n');
        Assert.Equal("", lines[^1]);
        var stored = h.Store.GetEvents(id, 0, 100_000);
        Assert.Equal(stored.Select(e => e.Json), lines[..^1]);
        var sequences = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.StartsWith("{\"type\":\"session-opened\"", lines[0]);
        Assert.StartsWith("{\"type\":\"session-closed\"", lines[^2]);
    }

    // Each format's first bytes, as its readers expect them: JSON of the first event, the transcript's title line,
    // a zip's local file header ("PK\x03\x04"), the classic pcap magic A1B2C3D4 little-endian.
    [Theory]
    [InlineData(ExportFormat.Jsonl, "{\"type\":\"session-opened\"")]
    [InlineData(ExportFormat.Transcript, "# ImapProxy transcript of session 1\n")]
    [InlineData(ExportFormat.Rawlog, "PK\u0003\u0004")]
    [InlineData(ExportFormat.Pcap, "\u00d4\u00c3\u00b2\u00a1")]
    public async Task Export_ToAStreamThatCannotSeekOrWriteSynchronously_WritesTheWholeFile(ExportFormat format, string start)
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, "imapproxy-capture-compress");
        using var file = new MemoryStream();
        await SessionExport.WriteAsync(format, h.Store, id, file);
        // Like an ASP.NET Core response body: forward only, and synchronous writes are refused.
        var output = new AsyncOnlyStream();

        await SessionExport.WriteAsync(format, h.Store, id, output);

        // A download gets byte for byte the file `imapproxy export` writes, not a part of it.
        Assert.StartsWith(start, Encoding.Latin1.GetString(output.Bytes));
        Assert.Equal(file.ToArray(), output.Bytes);
    }

    [Fact]
    public async Task Export_OfAMissingSession_SaysSo()
    {
        await using var h = await engine.HarnessAsync();

        var error = await Assert.ThrowsAsync<EventStoreException>(() => SessionExport.WriteAsync(ExportFormat.Transcript, h.Store, 42, Stream.Null));

        Assert.Contains("42", error.Message);
    }

    [Fact]
    public void FileNamesAndContentTypes_NameTheFormat()
    {
        Assert.Equal("imapproxy-session-7.transcript.txt", SessionExport.FileName(ExportFormat.Transcript, 7));
        Assert.Equal("imapproxy-session-7.rawlog.zip", SessionExport.FileName(ExportFormat.Rawlog, 7));
        Assert.Equal("application/vnd.tcpdump.pcap", SessionExport.ContentType(ExportFormat.Pcap));
        Assert.Equal("application/x-ndjson", SessionExport.ContentType(ExportFormat.Jsonl));
    }

    private sealed class AsyncOnlyStream : Stream
    {
        private readonly MemoryStream written = new();

        public byte[] Bytes => written.ToArray();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous write");
        public override void Flush() => throw new InvalidOperationException("synchronous flush");
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

public sealed class SqliteSessionExportTests() : SessionExportTests(StoreEngine.Sqlite);

public sealed class PostgresSessionExportTests() : SessionExportTests(StoreEngine.Postgres);
