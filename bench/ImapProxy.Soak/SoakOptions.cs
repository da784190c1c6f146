using ImapProxy.RelayBench;

namespace ImapProxy.Soak;

/// <summary>The command line of the soak check (see ../README.md, "Soak").</summary>
internal sealed record SoakOptions
{
    public const string Usage = """
        usage: ImapProxy.Soak --proxy PATH/imapproxy.dll [options]
          --parts LIST          any of fuzz,idle,kill (default all three)
          --sessions N          fuzzed sessions (default 100000)
          --seed N              seed of the fuzz run; session i plays seed N*1000003+i (default 1)
          --replay SEED         play only the fuzzed session with this seed, as printed for a failure
          --concurrency N       fuzzed sessions played at once (default 8)
          --fuzz-minutes N      stop starting fuzzed sessions after N minutes (default 30)
          --idle-sessions N     concurrent idle sessions per mode (default 1000)
          --idle-modes LIST     plaintext,tls (default both)
          --kill-rounds N       kill -9 and restart rounds (default 20)
          --keep                keep the work directory (proxy logs and stores) even when the run succeeds
        """;

    public required string ProxyDll { get; init; }
    public IReadOnlySet<string> Parts { get; init; } = new HashSet<string> { "fuzz", "idle", "kill" };
    public int Sessions { get; init; } = 100_000;
    public int Seed { get; init; } = 1;
    public int? Replay { get; init; }
    public int Concurrency { get; init; } = 8;
    public TimeSpan FuzzBudget { get; init; } = TimeSpan.FromMinutes(30);
    public int IdleSessions { get; init; } = 1000;
    public IReadOnlyList<Mode> IdleModes { get; init; } = [Mode.Plaintext, Mode.Tls];
    public int KillRounds { get; init; } = 20;
    public bool Keep { get; init; }

    /// <exception cref="ArgumentException">A bad command line; the message says what.</exception>
    public static SoakOptions Parse(string[] args)
    {
        var options = new SoakOptions { ProxyDll = "" };
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number() => int.TryParse(Value(), out var n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]} needs a positive number");
            int Integer() => int.TryParse(Value(), out var n) ? n : throw new ArgumentException($"{args[i - 1]} needs a number");
            options = args[i] switch
            {
                "--proxy" => options with { ProxyDll = Path.GetFullPath(Value()) },
                "--parts" => options with { Parts = BenchMain.List(Value(), ["fuzz", "idle", "kill"]).ToHashSet() },
                "--sessions" => options with { Sessions = Number() },
                "--seed" => options with { Seed = Integer() },
                "--replay" => options with { Replay = Integer(), Parts = new HashSet<string> { "fuzz" } },
                "--concurrency" => options with { Concurrency = Number() },
                "--fuzz-minutes" => options with { FuzzBudget = TimeSpan.FromMinutes(Number()) },
                "--idle-sessions" => options with { IdleSessions = Number() },
                "--idle-modes" => options with { IdleModes = BenchMain.List(Value(), ["plaintext", "tls"]).Select(m => m == "tls" ? Mode.Tls : Mode.Plaintext).ToList() },
                "--kill-rounds" => options with { KillRounds = Number() },
                "--keep" => options with { Keep = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (options.ProxyDll == "") throw new ArgumentException("--proxy PATH/imapproxy.dll is required (bench/soak.sh publishes it)");
        if (!File.Exists(options.ProxyDll)) throw new ArgumentException($"{options.ProxyDll} does not exist");
        return options;
    }
}
