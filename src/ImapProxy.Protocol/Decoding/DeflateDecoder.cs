using System.IO.Compression;

namespace ImapProxy.Protocol.Decoding;

/// <summary>
/// Inflates one direction of a COMPRESS=DEFLATE session incrementally (RFC 4978 §4: raw DEFLATE, RFC 1951,
/// flushed at each command or response). Observers use it on their own copy of the bytes; the relay forwards
/// the compressed bytes unchanged. Corrupt input ends the decoding and is reported, never thrown.
/// </summary>
public sealed class DeflateDecoder : IDisposable
{
    private readonly FeedStream input = new();
    private readonly DeflateStream inflater;
    private readonly byte[] output = new byte[16 * 1024];

    public DeflateDecoder() => inflater = new DeflateStream(input, CompressionMode.Decompress, leaveOpen: true);

    /// <summary>Why decoding stopped, when the compressed stream was corrupt.</summary>
    public string? Error { get; private set; }

    /// <summary>Inflates <paramref name="compressed"/>, handing the plaintext to <paramref name="onPlaintext"/> in chunks.</summary>
    public void Decode(ReadOnlySpan<byte> compressed, PlaintextHandler onPlaintext)
    {
        if (Error is not null) return;
        input.Set(compressed.ToArray());
        try
        {
            int n;
            while ((n = inflater.Read(output, 0, output.Length)) > 0) onPlaintext(output.AsSpan(0, n));
        }
        catch (InvalidDataException e)
        {
            Error = e.Message;
        }
    }

    public delegate void PlaintextHandler(ReadOnlySpan<byte> plaintext);

    public void Dispose() => inflater.Dispose();

    /// <summary>A read-only stream over the bytes given last; reading past them returns 0 ("no more for now").</summary>
    private sealed class FeedStream : Stream
    {
        private byte[] buffer = [];
        private int position;

        public void Set(byte[] bytes)
        {
            buffer = bytes;
            position = 0;
        }

        public override int Read(byte[] destination, int offset, int count)
        {
            var n = Math.Min(count, buffer.Length - position);
            Array.Copy(buffer, position, destination, offset, n);
            position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] data, int offset, int count) => throw new NotSupportedException();
    }
}
