using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// Runs asynchronous work on threads of its own that give the CPU to the rest of the process, in one of two ways.
/// While the work keeps up it runs in Linux's idle class (SCHED_IDLE, sched(7)): only on a CPU nothing else wants, and
/// a thread that wakes takes the CPU from it at once. A raised nice value alone does not do that: the scheduler lets a
/// running thread finish its slice first, and the relay's NOOP round trips took milliseconds whenever the store wrote
/// (bench/ImapProxy.RelayBench). When the work falls behind it must not starve on a busy machine, so it runs at
/// nice +10: about a tenth of a CPU that others also want.
/// An unprivileged thread may enter the idle class but never leave it (sched(7), "Privileges and resource limits"),
/// and a new thread inherits its creator's class, so there are two threads, one of each kind, made at the start: the
/// work moves between them at <see cref="FallBehind"/> and <see cref="KeepUp"/>, where what follows the await runs
/// on the other thread. Only one of them runs the work at a time; the other waits.
/// </summary>
internal sealed class YieldingThread
{
    private readonly Worker idleClass;
    private readonly Worker niceTen;
    private Worker current;

    private YieldingThread(string name)
    {
        idleClass = new Worker(name, EnterIdleClass);
        niceTen = new Worker(name, () => SetNice(10));
        current = idleClass;
    }

    /// <summary>Starts <paramref name="work"/> on the idle-class thread; the task ends with it, and so do both threads.</summary>
    public static Task Run(string name, Func<YieldingThread, Task> work)
    {
        var thread = new YieldingThread(name);
        var done = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        thread.current.Post(() => done.SetResult(work(thread)));
        var task = done.Task.Unwrap();
        task.ContinueWith(_ =>
        {
            thread.idleClass.Complete();
            thread.niceTen.Complete();
        }, TaskScheduler.Default);
        return task;
    }

    /// <summary>Whether the work runs at nice +10 (it fell behind) rather than in the idle class.</summary>
    public bool Behind => current == niceTen;

    /// <summary>The work fell behind: what follows the await runs at nice +10.</summary>
    public Move FallBehind() => new(this, niceTen);

    /// <summary>The work keeps up: what follows the await runs in the idle class.</summary>
    public Move KeepUp() => new(this, idleClass);

    /// <summary>Awaited to go on on <c>to</c>'s thread; completes at once when the work is there already.</summary>
    public readonly struct Move(YieldingThread owner, Worker to) : ICriticalNotifyCompletion
    {
        public Move GetAwaiter() => this;
        public bool IsCompleted => owner.current == to;
        public void GetResult() { }
        public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

        public void UnsafeOnCompleted(Action continuation)
        {
            owner.current = to;
            to.Post(continuation);
        }
    }

    /// <summary>A thread that runs what is posted to it, one at a time, until completed.</summary>
    internal sealed class Worker
    {
        private readonly BlockingCollection<Action> posted = new();

        public Worker(string name, Action prepare)
        {
            new Thread(() =>
            {
                prepare();
                foreach (var action in posted.GetConsumingEnumerable()) action();
            }) { IsBackground = true, Name = name }.Start();
        }

        public void Post(Action action) => posted.Add(action);

        public void Complete() => posted.CompleteAdding();
    }

    /// <summary>Where the idle class is refused (another OS, a sandbox), the thread runs at nice +19 instead.</summary>
    private static void EnterIdleClass()
    {
        var none = new SchedParam();
        if (!OperatingSystem.IsLinux() || sched_setscheduler(0, SchedIdle, ref none) != 0) SetNice(19);
    }

    /// <summary>On Linux a nice value belongs to each thread, not to the process (setpriority(2), BUGS); raising one's
    /// own needs no privilege. Where it fails, the thread runs as it is.</summary>
    private static void SetNice(int nice)
    {
        if (OperatingSystem.IsLinux()) _ = setpriority(PrioProcess, gettid(), nice);
    }

    private const int SchedIdle = 5;
    private const int PrioProcess = 0;

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setscheduler(int pid, int policy, ref SchedParam param);

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc")]
    private static extern int gettid();
}
