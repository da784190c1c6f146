using System.Buffers;

namespace ImapProxy.Recording.Events;

/// <summary>
/// The way back to its pool for the buffer of a <see cref="RawBytes"/> chunk, once nobody reads it any more. Each
/// queue that takes the event holds it (<see cref="Bus.EventBus"/>), and so does the publisher while it publishes; the
/// buffer returns when the last holder lets go. A reader that keeps the chunk, or never says it is done, simply
/// never lets go: the buffer is then the garbage collector's, as any other array. Why: a transfer's chunks (64 KiB
/// each) are otherwise new arrays, and the kernel zeroing the fresh pages under them showed as a tenth of the relay's
/// CPU in a TLS download.
/// </summary>
public sealed class RawChunkLease(byte[] buffer, ArrayPool<byte> pool)
{
    private int holders;

    /// <summary>One more reader of the chunk (a queue took its event).</summary>
    public void Hold() => Interlocked.Increment(ref holders);

    /// <summary>
    /// A reader is done with the chunk: its bytes may be overwritten once this returns. Only the release that takes
    /// the count to zero returns the buffer, so an extra release can never hand it out twice.
    /// </summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref holders) == 0) pool.Return(buffer);
    }
}
