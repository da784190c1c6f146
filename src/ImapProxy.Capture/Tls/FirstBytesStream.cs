namespace ImapProxy.Capture.Tls;

/// <summary>
/// Passes everything through to the stream beneath, keeping a copy of the first bytes read from it and written to it
/// while a TLS handshake runs over it: the two sides' first flights. They say what a client offered (its ClientHello,
/// read here rather than through the TLS stack, which exposes only its SNI), or, when a handshake fails, what the
/// other side spoke instead (a plaintext IMAP greeting, for one). <see cref="Forget"/> ends the keeping once the
/// handshake is over, so a session holds no copy while it is relayed.
/// </summary>
internal sealed class FirstBytesStream(Stream inner, int keptRead, int keptWritten = 0) : Stream
{
    private readonly Copy read = new(keptRead);
    private readonly Copy written = new(keptWritten);

    public ReadOnlySpan<byte> First => read.Bytes;

    public ReadOnlySpan<byte> FirstWritten => written.Bytes;

    public void Forget()
    {
        read.Forget();
        written.Forget();
    }

    // Once nothing more is kept (the handshake over), every read of the relayed session goes straight through.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        read.Full ? inner.ReadAsync(buffer, cancellationToken) : ReadKeepingAsync(buffer, cancellationToken);

    private async ValueTask<int> ReadKeepingAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        read.Keep(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        read.Keep(buffer.AsSpan(offset, n));
        return n;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        written.Keep(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        written.Keep(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

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

    /// <summary>The first bytes of one direction, up to a limit; grown as they come, as a hello is far below the limit.</summary>
    private sealed class Copy(int limit)
    {
        private byte[] bytes = [];
        private int length;
        private int room = limit;

        public ReadOnlySpan<byte> Bytes => bytes.AsSpan(0, length);

        /// <summary>Nothing more will be kept: the limit is reached, or the copy was forgotten.</summary>
        public bool Full => room == 0;

        public void Keep(ReadOnlySpan<byte> data)
        {
            var taken = data[..Math.Min(room, data.Length)];
            if (taken.IsEmpty) return;
            if (length + taken.Length > bytes.Length) Array.Resize(ref bytes, Math.Max(length + taken.Length, Math.Min(bytes.Length * 2, length + room)));
            taken.CopyTo(bytes.AsSpan(length));
            length += taken.Length;
            room -= taken.Length;
        }

        public void Forget() => (bytes, length, room) = ([], 0, 0);
    }
}
