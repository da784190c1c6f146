using System.Globalization;
using System.IO.Compression;
using ImapProxy.Protocol;

namespace ImapProxy.Storage.Export;

/// <summary>
/// A stored session as a Dovecot rawlog pair in a zip: <c>BASE.in</c> holds the client's bytes, <c>BASE.out</c> the
/// server's, each line starting with "seconds.microseconds " (Dovecot's rawlog timestamps, iostream-rawlog), taken
/// from the events' times so that a rawlog reader interleaves the two files as they happened. The bytes are the stored
/// plaintext: after COMPRESS they are inflated (readers tell, see <c>CompressedInput.Detect</c>); bytes the capture did
/// not keep are filled in (<see cref="NotCaptured"/>) so literal lengths still hold.
/// </summary>
internal static class RawlogExport
{
    public static async Task WriteAsync(EventStore store, long sessionId, string baseName, Stream destination, CancellationToken ct)
    {
        var started = store.GetSession(sessionId)?.StartedAt ?? throw new EventStoreException($"there is no session {sessionId}");
        // ZipArchive writes synchronously (an entry's end, the central directory), which a response body refuses:
        // the archive writes into memory, and what it wrote is passed on asynchronously as it grows.
        var zipped = new ZipBuffer();
        using (var zip = new ZipArchive(zipped, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (direction, extension) in new[] { (Direction.Client, ".in"), (Direction.Server, ".out") })
            {
                var entry = zip.CreateEntry(baseName + extension, CompressionLevel.Optimal);
                entry.LastWriteTime = started;
                using var stream = entry.Open();
                // A zip takes one entry at a time: each file is a walk of its own over the same, deterministic steps.
                var conversation = new StoredConversation(store, sessionId);
                await WriteDirectionAsync(conversation, direction, new ExportOutput(stream, ct), () => zipped.PassOnAsync(destination, ct))
                    .ConfigureAwait(false);
            }
        }
        await zipped.PassOnAsync(destination, ct, everything: true).ConfigureAwait(false);
    }

    private static async Task WriteDirectionAsync(StoredConversation conversation, Direction direction, ExportOutput output,
        Func<ValueTask> passOn)
    {
        var raw = conversation.Raw(direction);
        var atLineStart = true;
        foreach (var step in conversation.Steps())
        {
            if (step is not BytesStep bytes || bytes.Direction != direction) continue;
            var stamp = Timestamp(bytes.Time);
            foreach (var piece in raw.Read(bytes.From, bytes.To))
            {
                foreach (var chunk in NotCaptured.Bytes(piece))
                {
                    atLineStart = WriteLines(output, chunk.Span, stamp, atLineStart);
                    await output.CommitAsync().ConfigureAwait(false);
                    await passOn().ConfigureAwait(false);
                }
            }
        }
        await output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Writes bytes with the timestamp before each line that starts among them; returns whether the next byte starts a line.</summary>
    private static bool WriteLines(ExportOutput output, ReadOnlySpan<byte> bytes, string stamp, bool atLineStart)
    {
        while (!bytes.IsEmpty)
        {
            if (atLineStart) output.Write(stamp);
            var lf = bytes.IndexOf((byte)'\n');
            var take = lf < 0 ? bytes.Length : lf + 1;
            output.Write(bytes[..take]);
            atLineStart = lf >= 0;
            bytes = bytes[take..];
        }
        return atLineStart;
    }

    /// <summary>Dovecot's format: seconds since the epoch, a dot, six digits of microseconds, a space.</summary>
    internal static string Timestamp(DateTimeOffset time)
    {
        var microseconds = (time.UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
        return string.Create(CultureInfo.InvariantCulture, $"{microseconds / 1_000_000}.{microseconds % 1_000_000:D6} ");
    }

    /// <summary>What the archive wrote and the destination did not get yet. Write-only and not seekable, so
    /// ZipArchive streams its entries (sizes in data descriptors, APPNOTE.TXT §4.3.9).</summary>
    private sealed class ZipBuffer : Stream
    {
        private const int PassOnAt = 64 * 1024;
        private readonly MemoryStream buffer = new();

        public async ValueTask PassOnAsync(Stream destination, CancellationToken ct, bool everything = false)
        {
            if (buffer.Length == 0 || !everything && buffer.Length < PassOnAt) return;
            await destination.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct).ConfigureAwait(false);
            buffer.SetLength(0);
        }

        public override void Write(byte[] data, int offset, int count) => buffer.Write(data, offset, count);
        public override void Write(ReadOnlySpan<byte> data) => buffer.Write(data);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
        {
            buffer.Write(data.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] data, int offset, int count, CancellationToken ct)
        {
            buffer.Write(data, offset, count);
            return Task.CompletedTask;
        }

        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] data, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
