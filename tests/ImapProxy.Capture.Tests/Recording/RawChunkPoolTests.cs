using ImapProxy.Recording;

namespace ImapProxy.Capture.Tests.Recording;

/// <summary>The recordings' chunk pool: what it keeps, what it refuses, and that a trim lets everything go.</summary>
public class RawChunkPoolTests
{
    [Fact]
    public void ABufferGivenBack_IsTheNextOneRented_UpToTheCapacity()
    {
        var pool = new RawChunkPool(capacity: 2);
        var buffers = Enumerable.Range(0, 3).Select(_ => pool.Rent(RawChunkPool.ChunkSize)).ToList();
        Assert.All(buffers, b => Assert.Equal(RawChunkPool.ChunkSize, b.Length));
        Assert.Equal(3, buffers.Distinct(ReferenceEqualityComparer.Instance).Count());

        foreach (var buffer in buffers) pool.Return(buffer);
        // The third did not fit: two are kept, the last given back first.
        Assert.Equal(2, pool.Kept);
        Assert.Same(buffers[1], pool.Rent(RawChunkPool.ChunkSize));
        Assert.Same(buffers[0], pool.Rent(RawChunkPool.ChunkSize));
        Assert.DoesNotContain(pool.Rent(RawChunkPool.ChunkSize), buffers, ReferenceEqualityComparer.Instance);
        Assert.Equal(0, pool.Kept);
    }

    [Fact]
    public void ATrim_LetsEveryKeptBufferGo()
    {
        var pool = new RawChunkPool(capacity: 4);
        var kept = Enumerable.Range(0, 4).Select(_ => new byte[RawChunkPool.ChunkSize]).ToList();
        foreach (var buffer in kept) pool.Return(buffer);

        pool.Trim();

        Assert.Equal(0, pool.Kept);
        Assert.DoesNotContain(pool.Rent(RawChunkPool.ChunkSize), kept, ReferenceEqualityComparer.Instance);
    }

    [Fact]
    public void BuffersOfAnotherSize_AreRefused()
    {
        var pool = new RawChunkPool(capacity: 4);
        Assert.Throws<ArgumentException>(() => pool.Return(new byte[4096]));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(RawChunkPool.ChunkSize + 1));
        Assert.Equal(0, pool.Kept);
    }
}
