using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ImapProxy.Storage.Sqlite;

/// <summary>
/// Large runs of raw files written past the page cache (O_DIRECT, open(2)): a file's bytes gather in an aligned
/// buffer of its own and reach the disk in whole 4 KiB blocks, a megabyte at a time. Through the page cache, the kernel
/// finds, fills and later writes back a page per 4 KiB; on the benchmark VM that was about half the store writer's CPU
/// in a bulk download, where 1 GB written directly in 1 MiB pieces takes 0.10 s of system time against 1.76 s through
/// the cache (dd; bench/ImapProxy.RelayBench/README.md). Capture files are written once and read rarely, so keeping
/// them out of the cache also leaves it to the rest of the machine.
/// <para>
/// A direct write starts on a block boundary, so a file's buffer starts at the block its end is in, holding that
/// block's first bytes again (read back through the cache, where they were just written). When the batch ends, what
/// is left, less than a block, goes through the cache, so a file always ends where its last byte does. Up to
/// <see cref="MaxGathered"/> files gather at once (downloads in parallel sessions); one more writes out the one used
/// least recently. Linux on x64 and Arm64 only; elsewhere, on a file system that refuses O_DIRECT and on a device with
/// blocks over 4 KiB, everything goes through the cache.
/// </para>
/// </summary>
internal sealed class DirectWrites
{
    public const int Block = 4096;

    /// <summary>An append at least this long is worth the trip past the cache (a bulk transfer's rows are this size).</summary>
    public const int LargeRun = 64 * 1024;

    private const int Capacity = 1024 * 1024;
    private const int MaxGathered = 4;

    private sealed class Gathering(SafeFileHandle cached, SafeFileHandle direct, Memory<byte> buffer, long start, int length)
    {
        public SafeFileHandle Cached { get; } = cached;
        public SafeFileHandle Direct { get; } = direct;
        public Memory<byte> Buffer { get; } = buffer;

        // Buffer[0..Length] is the file's bytes from Start, a block boundary (its first part block read back when taken).
        public long Start { get; set; } = start;
        public int Length { get; set; } = length;
        public long LastUse { get; set; }
        public long End => Start + Length;
    }

    private readonly List<Gathering> gathered = [];
    private readonly Stack<Memory<byte>> spare = [];
    private long uses;
    private bool unavailable = !(OperatingSystem.IsLinux() && DirectFlag != 0);

    /// <summary>Whether bytes of the file <paramref name="cached"/> is the usual handle of wait here; if so, where the file then ends.</summary>
    public bool Gathers(SafeFileHandle cached, out long end)
    {
        var gathering = Find(cached);
        end = gathering?.End ?? 0;
        return gathering is not null;
    }

    /// <summary>
    /// A handle of <paramref name="path"/> that writes past the page cache, or null where that cannot be (a file system
    /// without O_DIRECT: every later file goes through the cache too).
    /// </summary>
    public SafeFileHandle? OpenDirect(string path)
    {
        if (unavailable) return null;
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var fd = (int)handle.DangerousGetHandle();
        var flags = Fcntl(fd, GetFlags, 0);
        if (flags >= 0 && Fcntl(fd, SetFlags, flags | DirectFlag) == 0) return handle;
        handle.Dispose();
        unavailable = true;
        return null;
    }

    /// <summary>
    /// Adds <paramref name="data"/> at <paramref name="position"/>, the end of the file whose handles are given
    /// (<paramref name="cached"/> must be readable: a new gathering reads its last part block back).
    /// </summary>
    public void Append(SafeFileHandle cached, SafeFileHandle direct, long position, ReadOnlySpan<byte> data)
    {
        var gathering = Find(cached) ?? Take(cached, direct, position);
        gathering.LastUse = ++uses;
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, Capacity - gathering.Length);
            data[..take].CopyTo(gathering.Buffer.Span[gathering.Length..]);
            gathering.Length += take;
            data = data[take..];
            if (gathering.Length < Capacity) continue;
            Write(gathering, Capacity);
            (gathering.Start, gathering.Length) = (gathering.Start + Capacity, 0);
        }
    }

    /// <summary>Writes every file's waiting bytes (the batch is about to commit); the buffers are free after it.</summary>
    public void Flush()
    {
        while (gathered.Count > 0) Flush(gathered[^1]);
    }

    /// <summary>Writes the waiting bytes of one file, if any (it is being closed).</summary>
    public void Flush(SafeFileHandle cached)
    {
        if (Find(cached) is { } gathering) Flush(gathering);
    }

    /// <summary>Forgets one file's waiting bytes without writing them (it is closed after a failure, or removed); returns whether it had any.</summary>
    public bool Forget(SafeFileHandle cached)
    {
        if (Find(cached) is not { } gathering) return false;
        gathered.Remove(gathering);
        spare.Push(gathering.Buffer);
        return true;
    }

    /// <summary>Forgets every waiting byte without writing it (a write failed: the batch that held them fails too).</summary>
    public void Drop()
    {
        foreach (var gathering in gathered) spare.Push(gathering.Buffer);
        gathered.Clear();
    }

    private Gathering? Find(SafeFileHandle cached)
    {
        foreach (var gathering in gathered)
        {
            if (gathering.Cached == cached) return gathering;
        }
        return null;
    }

    private Gathering Take(SafeFileHandle cached, SafeFileHandle direct, long position)
    {
        if (gathered.Count == MaxGathered) Flush(gathered.MinBy(g => g.LastUse)!);
        var buffer = spare.TryPop(out var free) ? free : AlignedBuffer();
        var start = position / Block * Block;
        var tail = (int)(position - start);
        // The first bytes of the block the file ends in, as a direct write rewrites the whole block.
        if (tail > 0 && RandomAccess.Read(cached, buffer.Span[..tail], start) is var read && read != tail)
        {
            spare.Push(buffer);
            throw new IOException($"the raw file changed while it was written: its last block holds {read} bytes, not {tail}");
        }
        var gathering = new Gathering(cached, direct, buffer, start, tail);
        gathered.Add(gathering);
        return gathering;
    }

    /// <summary>Whole blocks directly, then the last part block through the cache; the buffer goes back to the spares.</summary>
    private void Flush(Gathering gathering)
    {
        var whole = gathering.Length / Block * Block;
        if (whole > 0) Write(gathering, whole);
        if (gathering.Length > whole)
            RandomAccess.Write(gathering.Cached, gathering.Buffer.Span[whole..gathering.Length], gathering.Start + whole);
        gathered.Remove(gathering);
        spare.Push(gathering.Buffer);
    }

    private void Write(Gathering gathering, int length)
    {
        var blocks = gathering.Buffer.Span[..length];
        if (!unavailable)
        {
            try
            {
                RandomAccess.Write(gathering.Direct, blocks, gathering.Start);
                return;
            }
            catch (IOException e) when (e.HResult == InvalidArgument)
            {
                // A device whose blocks are larger than 4 KiB: these bytes through the cache, and all from now on.
                unavailable = true;
            }
        }
        RandomAccess.Write(gathering.Cached, blocks, gathering.Start);
    }

    /// <summary>A buffer whose first byte is on a block boundary, as O_DIRECT wants; on the pinned heap, so it stays there.</summary>
    private static Memory<byte> AlignedBuffer()
    {
        var array = GC.AllocateUninitializedArray<byte>(Capacity + Block, pinned: true);
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        var address = handle.AddrOfPinnedObject();
        handle.Free();
        var skip = (int)((Block - address % Block) % Block);
        return array.AsMemory(skip, Capacity);
    }

    // fcntl.h; O_DIRECT differs by architecture (asm-generic: 040000 on x86, 0200000 on Arm64).
    private const int GetFlags = 3;
    private const int SetFlags = 4;
    private const int InvalidArgument = 22;

    private static int DirectFlag => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x4000,
        Architecture.Arm64 => 0x10000,
        _ => 0,
    };

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for one call with int arguments
    [DllImport("libc", EntryPoint = "fcntl")]
    private static extern int Fcntl(int fd, int command, int argument);
#pragma warning restore SYSLIB1054
}
