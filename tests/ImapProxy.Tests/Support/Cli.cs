using System.Diagnostics;
using System.Threading.Channels;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Support;

/// <summary>Runs the built imapproxy executable as a user would. Tests pass --data and --ca-dir of their own.</summary>
internal static class Cli
{
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "imapproxy.dll");

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        return await ProcessRunner.RunAsync("dotnet", [Executable, .. args], ProxyHarness.Timeout, cts.Token);
    }

    /// <summary>
    /// Starts imapproxy in <paramref name="workingDirectory"/> with <paramref name="environment"/> added to this
    /// process's, as a user starts it from a shell; it runs until disposed.
    /// </summary>
    public static Running Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var argument in (string[])[Executable, .. args]) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return new Running(Process.Start(start) ?? throw new InvalidOperationException("could not start imapproxy"));
    }

    /// <summary>A running imapproxy: its output lines (stdout and stderr) as they come; disposing kills it.</summary>
    public sealed class Running : IAsyncDisposable
    {
        private readonly Process process;
        private readonly Channel<string> lines = Channel.CreateUnbounded<string>();
        private readonly List<string> seen = [];
        private int open = 2;

        public Running(Process process)
        {
            this.process = process;
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        /// <summary>
        /// Lines up to and including the first that <paramref name="last"/> accepts; fails if the process ends first, or
        /// when <paramref name="wait"/> (<see cref="ProxyHarness.Timeout"/> if null) passes.
        /// </summary>
        public async Task<IReadOnlyList<string>> ReadUntilAsync(Func<string, bool> last, TimeSpan? wait = null)
        {
            using var timeout = new CancellationTokenSource(wait ?? ProxyHarness.Timeout);
            var read = new List<string>();
            while (true)
            {
                if (!await lines.Reader.WaitToReadAsync(timeout.Token))
                {
                    await process.WaitForExitAsync(timeout.Token);
                    lock (seen) throw new InvalidOperationException($"imapproxy ended (exit code {process.ExitCode}):\n{string.Join('\n', seen)}");
                }
                var line = await lines.Reader.ReadAsync(timeout.Token);
                read.Add(line);
                if (last(line)) return read;
            }
        }

        private void Add(string? line)
        {
            if (line is null)
            {
                if (Interlocked.Decrement(ref open) == 0) lines.Writer.TryComplete();
                return;
            }
            lock (seen) seen.Add(line);
            lines.Writer.TryWrite(line);
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(ProxyHarness.Timeout);
            await process.WaitForExitAsync(timeout.Token);
            process.Dispose();
        }
    }
}
