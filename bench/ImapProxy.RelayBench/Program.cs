using ImapProxy.RelayBench;

// Dovecot, socat and /proc: this benchmark runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"relay-bench: {e.Message}\n{BenchOptions.Usage}");
    return 2;
}

// Ctrl+C cancels the run instead of killing it, so Dovecot, socat and the proxies are still stopped.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    return await new RelayBenchmark(options, Console.Out).RunAsync(cancel.Token) ? 0 : 1;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("relay-bench: cancelled");
    return 130;
}
catch (Exception e)
{
    Console.Error.WriteLine($"relay-bench: failed: {e}");
    return 1;
}
