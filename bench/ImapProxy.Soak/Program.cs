// Dovecot and /proc: the soak check runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace ImapProxy.Soak;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        SoakOptions options;
        try
        {
            options = SoakOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"soak: {e.Message}\n{SoakOptions.Usage}");
            return 2;
        }

        // Ctrl+C cancels the run instead of killing it, so Dovecot and the proxies are still stopped.
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            return await new SoakRun(options, Console.Out).RunAsync(cancel.Token) ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("soak: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"soak: failed: {e}");
            return 1;
        }
    }
}
