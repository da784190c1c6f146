using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ImapProxy.Storage.Sqlite;

/// <summary>
/// Keeps a growing raw file from filling the page cache: as each file passes a <see cref="Step"/> boundary, the step
/// before is handed to the disk (sync_file_range(2), SYNC_FILE_RANGE_WRITE) and the one before that, written by then,
/// is dropped from the cache (posix_fadvise(2), POSIX_FADV_DONTNEED). Capture files are written once and read rarely;
/// left cached, gigabytes of them push out what the rest of the machine uses, and every write needs a page the kernel
/// has not used lately. On the 2-core VM the benchmarks run on, such pages cost the copy eight times what reused
/// ones do (1 GiB with dd: 0.31 s of system time, then 1.85 and 2.65 s for the next two; the writer's raw path
/// 40-46 ms per 100 MB with this against 249 without, bench/ImapProxy.RelayBench/README.md). The last two steps of
/// each file stay cached, so a session a user opens right after it ended reads from memory. Linux only; elsewhere,
/// and where glibc is not there to call, the cache is left to the kernel.
/// </summary>
internal static class DropBehind
{
    public const long Step = 8L * 1024 * 1024;

    // 64-bit only: on 32-bit Linux these calls take a 32-bit off_t.
    private static bool available = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>After <paramref name="length"/> bytes were written at <paramref name="position"/> of an open file.</summary>
    public static void Written(SafeFileHandle file, long position, long length)
    {
        if (!available) return;
        var fd = (int)file.DangerousGetHandle();
        try
        {
            // Every boundary the write passed (one at most for the store's 64 KiB rows).
            for (var boundary = position / Step + 1; boundary <= (position + length) / Step; boundary++)
            {
                // The step just finished goes to the disk now, without waiting for it.
                SyncFileRange(fd, (boundary - 1) * Step, Step, SyncWrite);
                if (boundary < 2) continue;
                // The step before it was sent at the last boundary: wait for it (usually done), then let its pages go.
                var older = (boundary - 2) * Step;
                SyncFileRange(fd, older, Step, SyncWaitBefore | SyncWrite | SyncWaitAfter);
                PosixFadvise(fd, older, Step, DontNeed);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl or another libc without these names: the kernel keeps its own policy.
            available = false;
        }
    }

    // linux/fs.h and fcntl.h
    private const uint SyncWaitBefore = 1;
    private const uint SyncWrite = 2;
    private const uint SyncWaitAfter = 4;
    private const int DontNeed = 4;

    // Failures are not errors here (a file system without the call, a removed file): the bytes are written either way.
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for two calls with blittable arguments
    [DllImport("libc.so.6", EntryPoint = "sync_file_range")]
    private static extern int SyncFileRange(int fd, long offset, long count, uint flags);

    [DllImport("libc.so.6", EntryPoint = "posix_fadvise")]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);
#pragma warning restore SYSLIB1054
}
