using System.Text;

namespace ImapProxy.Storage.Export;

/// <summary>
/// Collects an export's bytes and hands them to the destination in chunks, asynchronously: the HTTP API writes to
/// a response body, where ASP.NET Core refuses synchronous writes. Memory stays bounded by the chunk size plus the
/// largest single write (a window of raw bytes).
/// </summary>
internal sealed class ExportOutput(Stream destination, CancellationToken cancellationToken)
{
    private const int ChunkSize = 64 * 1024;

    private readonly MemoryStream buffer = new();

    public CancellationToken CancellationToken => cancellationToken;

    public void Write(ReadOnlySpan<byte> bytes) => buffer.Write(bytes);

    public void Write(string text)
    {
        Span<byte> small = stackalloc byte[256];
        var count = Encoding.UTF8.GetByteCount(text);
        var bytes = count <= small.Length ? small[..count] : new byte[count];
        Encoding.UTF8.GetBytes(text, bytes);
        buffer.Write(bytes);
    }

    /// <summary>Passes the collected bytes on once there are enough of them.</summary>
    public ValueTask CommitAsync() => buffer.Length >= ChunkSize ? FlushAsync() : ValueTask.CompletedTask;

    public async ValueTask FlushAsync()
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (buffer.Length == 0) return;
        await destination.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
        buffer.SetLength(0);
    }
}
