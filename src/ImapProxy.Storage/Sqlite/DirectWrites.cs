using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ImapProxy.Storage.Sqlite;

/// <summary>
/// Large runs of a raw file written past the page cache (O_DIRECT, open(2)): bytes gather in one aligned buffer and
/// reach the disk in whole 4 KiB blocks, at most a megabyte at a time. Through the page cache, the kernel first finds a
/// page for every 4 KiB, copies into it and writes it back later; on the benchmark VM that cost the writer 80 ms of
/// CPU per 100 MB of a bulk download, against 10 for the same bytes written directly in 1 MiB pieces (dd, 1 GB:
/// 1.76 s of system time buffered, 0.10 s direct; bench/ImapProxy.RelayBench/README.md). Capture files are written
/// once and read rarely, so keeping them out of the cache also leaves it to the rest of the machine.
/// <para>
/// One file at a time owns the buffer. A direct write must start on a block boundary, so the buffer starts at the
/// block the file's end is in, holding that block's first bytes again (read back from the file). What is left when the
/// batch ends, less than a block, goes through the page cache like any small append, so the file always ends where its
/// last byte does. Linux on x64 and Arm64 only; elsewhere, and on a file system that refuses O_DIRECT, every append
/// goes through the page cache.
/// </para>
/// </summary>
internal sealed class DirectWrites
{
    public const int Block = 4096;

    /// <summary>An append at least this long is worth the trip past the cache (a bulk transfer's rows are this size).</summary>
    public const int LargeRun = 64 * 1024;

    private const int Capacity = 1024 * 1024;

    private Memory<byte> buffer;
    private bool unavailable = !(OperatingSystem.IsLinux() && DirectFlag != 0);

    // The file whose bytes the buffer holds: its usual handle, through the page cache, and its direct one.
    private SafeFileHandle? cached;
    private SafeFileHandle? direct;

    // buffer[0..length] is the file's bytes from start (a block boundary); the first `written` of them are in it already.
    private long start;
    private int length;
    private int written;

    /// <summary>Whether the buffer holds bytes of the file <paramref name="handle"/> is the usual handle of.</summary>
    public bool Gathers(SafeFileHandle handle) => cached == handle;

    /// <summary>Where the gathered file ends, counting the bytes still in the buffer.</summary>
    public long End => start + length;

    /// <summary>
    /// A handle of <paramref name="path"/> that writes past the page cache, or null where that cannot be (a file system
    /// without O_DIRECT: every later file goes through the cache too).
    /// </summary>
    public SafeFileHandle? OpenDirect(string path)
    {
        if (unavailable) return null;
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var fd = (int)handle.DangerousGetHandle();
        var flags = Fcntl(fd, GetFlags, 0);
        if (flags >= 0 && Fcntl(fd, SetFlags, flags | DirectFlag) == 0) return handle;
        handle.Dispose();
        unavailable = true;
        return null;
    }

    /// <summary>
    /// Adds <paramref name="data"/> at <paramref name="position"/>, the end of the file whose handles are given (the
    /// buffer must not hold another file's bytes: <see cref="Flush"/> first).
    /// </summary>
    public void Append(SafeFileHandle usual, SafeFileHandle past, long position, ReadOnlySpan<byte> data)
    {
        if (cached != usual) Take(usual, past, position);
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, Capacity - length);
            data[..take].CopyTo(buffer.Span[length..]);
            length += take;
            data = data[take..];
            if (length < Capacity) continue;
            Write(buffer[..Capacity]);
            (start, length, written) = (start + Capacity, 0, 0);
        }
    }

    /// <summary>
    /// Writes what the buffer holds, whole blocks directly and the last part block through the cache, and frees it
    /// for another file. When the disk refuses, the bytes stay: <see cref="Drop"/> them.
    /// </summary>
    public void Flush()
    {
        if (cached is null) return;
        var whole = length / Block * Block;
        if (whole > written) Write(buffer[..whole]);
        if (length > Math.Max(whole, written)) RandomAccess.Write(cached, buffer.Span[whole..length], start + whole);
        Drop();
    }

    /// <summary>Forgets the buffer's bytes; returns how many of them never reached the file.</summary>
    public int Drop()
    {
        var lost = length - written;
        (cached, direct, length, written) = (null, null, 0, 0);
        return lost;
    }

    private void Take(SafeFileHandle usual, SafeFileHandle past, long position)
    {
        if (buffer.IsEmpty) buffer = AlignedBuffer();
        start = position / Block * Block;
        length = written = (int)(position - start);
        // The first bytes of the block the file ends in: a direct write rewrites the whole block.
        if (length > 0 && RandomAccess.Read(past, buffer.Span[..Block], start) is var read && read != length)
            throw new IOException($"the raw file changed while it was written: its last block holds {read} bytes, not {length}");
        (cached, direct) = (usual, past);
    }

    private void Write(ReadOnlyMemory<byte> blocks)
    {
        if (!unavailable)
        {
            try
            {
                RandomAccess.Write(direct!, blocks.Span, start);
                return;
            }
            catch (IOException e) when (e.HResult == InvalidArgument)
            {
                // A device whose blocks are larger than 4 KiB: these bytes through the cache, and all from now on.
                unavailable = true;
            }
        }
        RandomAccess.Write(cached!, blocks.Span, start);
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
