using ImapProxy.RelayBench;

// Dovecot and /proc: the soak check runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace ImapProxy.Soak;

internal static class Program
{
    public static Task<int> Main(string[] args) => BenchMain.RunAsync("soak", SoakOptions.Usage, () => SoakOptions.Parse(args),
        (options, ct) => new SoakRun(options, Console.Out).RunAsync(ct));
}
