using System.Globalization;

namespace ImapProxy.TestSupport;

/// <summary>
/// Stops a daemon and everything it forked. Dovecot's master calls setsid() when it daemonizes, so its
/// process group id is its pid and every service process (imap, imap-login, auth, ...) is in that group.
/// </summary>
internal static class ProcessGroup
{
    public static async Task StopAsync(int groupId, TimeSpan grace)
    {
        if (!Libc.SignalGroup(groupId, Libc.SigTerm)) return;
        if (await WaitUntilGoneAsync(groupId, grace)) return;
        Libc.SignalGroup(groupId, Libc.SigKill);
        await WaitUntilGoneAsync(groupId, TimeSpan.FromSeconds(5));
    }

    public static async Task<bool> WaitUntilGoneAsync(int groupId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (HasLiveMembers(groupId))
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }

    /// <summary>The pid of a live process whose command line contains <paramref name="fragment"/>, if any.</summary>
    public static int? FindByCommandLine(string fragment)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // Arguments are NUL-separated in /proc/PID/cmdline.
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains(fragment)) return pid;
            }
            catch (IOException)
            {
                // the process exited while we looked
            }
        }
        return null;
    }

    // kill(-group, 0) would also count zombies that nobody has reaped yet, so read the states from /proc.
    public static bool HasLiveMembers(int groupId)
    {
        var group = groupId.ToString(CultureInfo.InvariantCulture);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // the process exited while we looked
            }
            // "pid (comm) state ppid pgrp ...": comm may contain spaces and ')', so split after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[2] == group && fields[0] != "Z") return true;
        }
        return false;
    }
}
