using ImapProxy.RelayBench;

// Dovecot, socat and /proc: this benchmark runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

return await BenchMain.RunAsync("relay-bench", BenchOptions.Usage, () => BenchOptions.Parse(args),
    (options, ct) => new RelayBenchmark(options, Console.Out).RunAsync(ct));
