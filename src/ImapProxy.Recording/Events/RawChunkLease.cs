using System.Buffers;

namespace ImapProxy.Recording.Events;

/// <summary>
/// The way back to its pool for the buffer of a <see cref="RawBytes"/> chunk, once nobody reads it any more. Each
/// queue that takes the event holds it (<see cref="Bus.EventBus"/>), and so does the publisher while it publishes; the
/// buffer returns when the last holder lets go. A reader that keeps the chunk, or never says it is done, simply
/// never lets go: the buffer is then the garbage collector's, as any other array. Why: a transfer's chunks (64 KiB
/// each) are otherwise new arrays, and the kernel zeroing the fresh pages under them showed as a tenth of the relay's
/// socket threads' time in a TLS download.
/// </summary>
public sealed class RawChunkLease(byte[] buffer, ArrayPool<byte> pool)
{
    private int holders;
    private bool returned;

    /// <summary>One more reader of the chunk (a queue took its event).</summary>
    /// <exception cref="InvalidOperationException">The buffer went back to its pool already: the event was published
    /// again after its readers were done (a copy made with <c>with</c> shares the lease).</exception>
    public void Hold()
    {
        if (Volatile.Read(ref returned)) throw new InvalidOperationException("a raw chunk whose buffer went back to its pool was published again");
        Interlocked.Increment(ref holders);
    }

    /// <summary>
    /// A reader is done with the chunk: its bytes may be overwritten once this returns. Only the release that takes
    /// the count to zero returns the buffer, so a release after the last can never hand it out twice; a reader that
    /// releases what it never held returns it early, which is why only the bus holds.
    /// </summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref holders) != 0) return;
        Volatile.Write(ref returned, true);
        pool.Return(buffer);
    }
}
