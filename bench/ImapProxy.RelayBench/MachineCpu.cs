namespace ImapProxy.RelayBench;

/// <summary>
/// CPU time the whole machine spent busy (every process and the kernel, all cores summed), from the first line of
/// /proc/stat: with the client, Dovecot and the relay on two cores, a bulk transfer is bounded by how much CPU each
/// of its megabytes costs all of them together.
/// </summary>
internal static class MachineCpu
{
    public static TimeSpan Busy()
    {
        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice", in USER_HZ (100 per second);
        // guest time is already counted in user, idle and iowait are not busy.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
        return TimeSpan.FromSeconds(busy / 100.0);
    }

    public static int Cores => Environment.ProcessorCount;
}
