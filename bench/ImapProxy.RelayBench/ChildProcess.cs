using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ImapProxy.RelayBench;

/// <summary>
/// A process the benchmark started (socat, the proxy), its output appended to a log file. Disposing stops it:
/// SIGTERM first so the proxy can drain its store, then SIGKILL for it and everything it forked.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;

    private ChildProcess(string name, Process process, string logFile)
    {
        Name = name;
        this.process = process;
        LogFile = logFile;
    }

    public string Name { get; }
    public string LogFile { get; }
    public int Pid => process.Id;
    public bool HasExited => process.HasExited;

    public static ChildProcess Start(string name, string file, IEnumerable<string> args, string logFile,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        // `sh -c 'exec ...'` only to redirect into the log: exec keeps the pid, so signals reach the program itself.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var arg in new[] { "-c", "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1", "sh", logFile, file }.Concat(args))
            info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        return new ChildProcess(name, process, logFile);
    }

    /// <summary>Resident memory from /proc/PID/status (VmRSS), in KiB.</summary>
    public long ResidentKiB() => StatusKiB("VmRSS");

    /// <summary>The most resident memory the process ever had (VmHWM), in KiB.</summary>
    public long PeakResidentKiB() => StatusKiB("VmHWM");

    private long StatusKiB(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]);
        }
        throw new InvalidOperationException($"no {field} for {Name} (pid {Pid})");
    }

    /// <summary>
    /// CPU time used so far (user + system), from /proc/PID/stat, including children it has reaped: socat's work
    /// happens in the child it forks per connection, which it reaps when the connection ends.
    /// </summary>
    public TimeSpan CpuTime()
    {
        var fields = StatFields($"/proc/{Pid}/stat");
        var ticks = fields[11] + fields[12] + fields[13] + fields[14];
        // Children still running (socat serving a connection) are not in cutime yet.
        var children = $"/proc/{Pid}/task/{Pid}/children";
        foreach (var child in File.Exists(children) ? File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries) : [])
        {
            try
            {
                var childFields = StatFields($"/proc/{child}/stat");
                ticks += childFields[11] + childFields[12];
            }
            catch (IOException)
            {
                // It ended meanwhile; its time is in cutime from now on.
            }
        }
        return Ticks(ticks);
    }

    /// <summary>CPU time per thread name (".NET Server GC", ".NET TP Worker", ...), summed over threads of that name.</summary>
    public Dictionary<string, TimeSpan> CpuTimeByThread()
    {
        var byName = new Dictionary<string, TimeSpan>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{Pid}/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                var fields = StatFields(Path.Combine(task, "stat"));
                byName[name] = byName.GetValueOrDefault(name) + Ticks(fields[11] + fields[12]);
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }
        return byName;
    }

    // The fields after the parenthesised command name, as numbers: index 11 is utime (field 14 of the whole line),
    // 12 stime, 13 cutime, 14 cstime.
    private static long[] StatFields(string path)
    {
        var stat = File.ReadAllText(path);
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ').Select(f => long.TryParse(f, out var n) ? n : 0).ToArray();
    }

    private static TimeSpan Ticks(long ticks) => TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux

    /// <summary>
    /// Waits until the process uses at most 5% of a core over 200 ms (the proxy's store writer has caught
    /// up after a bulk run), so work left over from one measurement does not slow down the next. Returns the wait.
    /// </summary>
    public async Task<TimeSpan> WaitUntilQuietAsync(TimeSpan timeout, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        // 200 ms windows: "busy after LOGOUT" is measured to a fifth of a second (its goal is 0.5 s); 5 % of one is
        // one 10 ms tick of /proc's CPU times, the finest they count.
        var window = TimeSpan.FromMilliseconds(200);
        var before = CpuTime();
        while (stopwatch.Elapsed < timeout)
        {
            await Task.Delay(window, ct);
            var now = CpuTime();
            if (now - before <= window * 0.05) return stopwatch.Elapsed - window;
            before = now;
        }
        throw new TimeoutException($"{Name} was still busy after {timeout.TotalSeconds:0} s");
    }

    public void ThrowIfExited()
    {
        if (process.HasExited) throw new InvalidOperationException($"{Name} exited with code {process.ExitCode}; see {LogFile}");
    }

    /// <summary>SIGTERM, and the exit code once it has stopped; SIGKILL after the timeout.</summary>
    public async Task<int> StopAsync()
    {
        if (!process.HasExited)
        {
            kill(Pid, SigTerm);
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new TimeoutException($"{Name} did not stop within {StopTimeout.TotalSeconds:0} s of SIGTERM and was killed");
            }
        }
        return process.ExitCode;
    }

    /// <summary>Ends the process and whatever it forked (socat's per-connection children) without ceremony.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited) await StopAsync();
        }
        catch (TimeoutException)
        {
        }
        process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
