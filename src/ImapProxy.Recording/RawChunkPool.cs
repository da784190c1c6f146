using System.Buffers;
using System.Collections.Concurrent;

namespace ImapProxy.Recording;

/// <summary>
/// The buffers of recordings' raw chunks (<see cref="ChunkSize"/> each), shared by every session: a full chunk's buffer
/// comes back once the store has written it (<see cref="Events.RawChunkLease"/>). It keeps up to its capacity between
/// uses, by default as many as the store's default queue holds (32 MiB): on a busy machine the store's writer, which
/// runs at a lower priority, lets its queue grow and then gives back hundreds of chunks at once, more than the shared
/// <see cref="ArrayPool{T}"/> keeps for a size (about 32 per core; a model of that traffic reused 42 % of them) or a
/// pool of 128 (over a TLS bulk benchmark, 122 MiB of arrays allocated against 23 with this one). <see cref="Trim"/>
/// lets them all go when the proxy is quiet.
/// </summary>
public sealed class RawChunkPool(int capacity) : ArrayPool<byte>
{
    public const int ChunkSize = 64 * 1024;

    /// <summary>The one pool of the process's recordings: 512 chunks kept at most.</summary>
    public static RawChunkPool Default { get; } = new(512);

    // Last in, first out: the buffer given back last is the likeliest still in a cache.
    private readonly ConcurrentStack<byte[]> kept = new();
    // Counted apart: ConcurrentStack.Count walks the stack, and every return compares against the capacity.
    private int count;

    /// <summary>Buffers waiting to be rented.</summary>
    public int Kept => Volatile.Read(ref count);

    public override byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumLength, ChunkSize);
        if (kept.TryPop(out var buffer))
        {
            Interlocked.Decrement(ref count);
            return buffer;
        }
        // Uninitialised: a chunk is written before it is read, and zeroing 64 KiB showed as memset in the bulk profile.
        return GC.AllocateUninitializedArray<byte>(ChunkSize);
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        if (array.Length != ChunkSize) throw new ArgumentException($"not a buffer of this pool ({array.Length} bytes, not {ChunkSize})", nameof(array));
        if (Interlocked.Increment(ref count) > capacity)
        {
            Interlocked.Decrement(ref count);
            return;
        }
        kept.Push(array);
    }

    /// <summary>Lets go of every kept buffer, for the garbage collector to take.</summary>
    public void Trim()
    {
        while (kept.TryPop(out _)) Interlocked.Decrement(ref count);
    }
}
