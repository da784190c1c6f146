namespace ImapProxy.RelayBench;

/// <summary>
/// The shape of a hand-run benchmark's Main, for the relay bench and the soak alike: parse the options (a bad one
/// is exit 2 with the usage), run with Ctrl+C cancelling instead of killing (so Dovecot, socat and the proxies are
/// still stopped), exit 0 when the run passed, 1 when not, 130 when cancelled.
/// </summary>
public static class BenchMain
{
    public static async Task<int> RunAsync<TOptions>(string name, string usage, Func<TOptions> parse, Func<TOptions, CancellationToken, Task<bool>> run)
    {
        TOptions options;
        try
        {
            options = parse();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"{name}: {e.Message}\n{usage}");
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            return await run(options, cancel.Token) ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{name}: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{name}: failed: {e}");
            return 1;
        }
    }

    /// <summary>A comma-separated option value, each item one of <paramref name="allowed"/>.</summary>
    public static IEnumerable<string> List(string value, string[] allowed)
    {
        var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = items.Except(allowed).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown value(s) {string.Join(", ", unknown)}; use {string.Join(", ", allowed)}");
        return items;
    }
}
