using System.Runtime.InteropServices;

namespace ImapProxy.Storage.Writing;

/// <summary>Runs work on a thread of its own that yields the CPU to the rest of the process when CPU is short.</summary>
internal static class BackgroundThread
{
    /// <summary>Nice +10: the scheduler gives such a thread about a tenth of what a default one gets when both want
    /// the CPU, and all of what is idle.</summary>
    private const int Nice = 10;

    public static Task Run(string name, Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            LowerPriority();
            try
            {
                work();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return done.Task;
    }

    /// <summary>On Linux the nice value belongs to each thread, not to the process (setpriority(2), BUGS), so this
    /// thread alone is lowered. Raising one's own nice value needs no privilege; where it fails, the thread runs as is.</summary>
    private static void LowerPriority()
    {
        if (OperatingSystem.IsLinux()) _ = setpriority(PrioProcess, gettid(), Nice);
    }

    private const int PrioProcess = 0;

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc")]
    private static extern int gettid();
}
