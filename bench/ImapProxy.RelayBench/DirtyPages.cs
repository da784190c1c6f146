using System.Runtime.InteropServices;

namespace ImapProxy.RelayBench;

/// <summary>
/// The page cache's unwritten pages, written out before each measured run. Linux writes a dirty page back some 30 s
/// after it was written (vm.dirty_expire_centisecs), in a burst the disk and a kernel thread spend on it: a gigabyte
/// that socat+store and the warm-ups left behind landed, in the 07:39 run of 2026-12-07, in the middle of the proxy's
/// second TLS repetition, whose store writes then waited behind it (a 4 MiB batch took 327 ms instead of 25). Written
/// out beforehand, no target pays for another's writes.
/// </summary>
internal static class DirtyPages
{
    public static void WriteBack() => sync();

    // sync(2): schedules every dirty page for writing and, on Linux, returns once they are written.
    [DllImport("libc")]
    private static extern void sync();
}
