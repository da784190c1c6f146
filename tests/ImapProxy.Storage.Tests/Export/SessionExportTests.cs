using System.Text;
using System.Text.Json;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Export;

public class SessionExportTests
{
    [Fact]
    public async Task Jsonl_IsTheStoredJsonOfEachEvent_InSequenceOrder()
    {
        await using var h = new StoreHarness();
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

    [Theory]
    [InlineData(ExportFormat.Jsonl)]
    [InlineData(ExportFormat.Transcript)]
    [InlineData(ExportFormat.Rawlog)]
    [InlineData(ExportFormat.Pcap)]
    public async Task Export_WritesOnlyAsynchronously_ToAStreamThatCannotSeek(ExportFormat format)
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, "imapproxy-capture-compress");
        // Like an ASP.NET Core response body: forward only, and synchronous writes are refused.
        var output = new AsyncOnlyStream();

        await SessionExport.WriteAsync(format, h.Store, id, output);

        Assert.True(output.Written > 1000, $"{output.Written} bytes");
    }

    [Fact]
    public async Task Export_OfAMissingSession_SaysSo()
    {
        await using var h = new StoreHarness();

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
        public long Written { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written += buffer.Length;
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
