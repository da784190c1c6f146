namespace ImapProxy.Capture.Tls;

/// <summary>
/// Passes everything through to the stream beneath, keeping a copy of the first <paramref name="kept"/> bytes read
/// from it: what the TLS stack read of the other side's first flight. They say what the client offered (its
/// ClientHello, read here rather than through the TLS stack, which exposes only its SNI), or, when a handshake fails,
/// what the other side spoke instead (a plaintext IMAP greeting, for one).
/// </summary>
internal sealed class FirstBytesStream(Stream inner, int kept) : Stream
{
    private readonly byte[] first = new byte[kept];
    private int length;

    public ReadOnlySpan<byte> First => first.AsSpan(0, length);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        Keep(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        Keep(buffer.AsSpan(offset, n));
        return n;
    }

    private void Keep(ReadOnlySpan<byte> read)
    {
        var room = first.Length - length;
        if (room <= 0) return;
        read[..Math.Min(room, read.Length)].CopyTo(first.AsSpan(length));
        length += Math.Min(room, read.Length);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override void Flush() => inner.Flush();
    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
