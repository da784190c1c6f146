using System.Runtime.InteropServices;

namespace ImapProxy.TestSupport;

/// <summary>
/// The few POSIX calls .NET has no managed API for: file ownership (seeded mail must belong to the
/// mail user, not root) and signals (Dovecot is stopped by signalling its master process).
/// </summary>
internal static class Libc
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int ChownNative(string path, uint owner, uint group);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int KillNative(int pid, int signal);

    public static bool IsRoot => GetEffectiveUserId() == 0;

    public static void Chown(string path, int uid, int gid)
    {
        if (ChownNative(path, (uint)uid, (uint)gid) != 0)
        {
            throw new IOException($"chown({path}, {uid}, {gid}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Sends <paramref name="signal"/> to one process; false if it is gone.</summary>
    public static bool Signal(int pid, int signal) => KillNative(pid, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to every process in a process group; false if none is left.</summary>
    public static bool SignalGroup(int processGroup, int signal) => KillNative(-processGroup, signal) == 0;
}
