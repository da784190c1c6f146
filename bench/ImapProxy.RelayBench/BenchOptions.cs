namespace ImapProxy.RelayBench;

/// <summary>The command line of the benchmark (see README.md).</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: ImapProxy.RelayBench --proxy PATH/imapproxy.dll [options]
          --repetitions N     interleaved bulk runs per target (default 5)
          --messages N        messages in the bulk mailbox (default 200)
          --message-size N    body bytes of each message (default 1048576)
          --noops N           NOOP round trips per target (default 2000)
          --sessions N        concurrent idle sessions (default 1000)
          --parts LIST        any of bulk,latency,idle,literal (default all four)
          --literal-size N    bytes of the one large literal APPENDed and fetched back (default 1073741824, 1 GiB)
          --idle-modes LIST   plaintext,tls (default both)
          --proxy-env K=V     environment variable for the proxy process only (repeatable), e.g. DOTNET_gcServer=0
          --idle-hold SECONDS keep the idle sessions open this long after measuring (to attach dotnet-gcdump, perf, ...)
          --keep              keep the work directory (databases, logs) even when the run succeeds
        """;

    public required string ProxyDll { get; init; }
    public int Repetitions { get; init; } = 5;
    public int Messages { get; init; } = 200;
    public int MessageSize { get; init; } = 1 << 20;
    public int Noops { get; init; } = 2000;
    public int Sessions { get; init; } = 1000;
    public IReadOnlySet<string> Parts { get; init; } = new HashSet<string> { "bulk", "latency", "idle", "literal" };
    public long LiteralSize { get; init; } = 1L << 30;
    public IReadOnlyList<Mode> IdleModes { get; init; } = [Mode.Plaintext, Mode.Tls];
    public IReadOnlyDictionary<string, string> ProxyEnvironment { get; init; } = new Dictionary<string, string>();
    public bool Keep { get; init; }
    public int IdleHoldSeconds { get; init; }

    /// <exception cref="ArgumentException">A bad command line; the message says what.</exception>
    public static BenchOptions Parse(string[] args)
    {
        string? proxy = null;
        var options = new BenchOptions { ProxyDll = "" };
        var environment = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number() => int.TryParse(Value(), out var n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]} needs a positive number");
            options = args[i] switch
            {
                "--proxy" => options with { ProxyDll = proxy = Path.GetFullPath(Value()) },
                "--repetitions" => options with { Repetitions = Number() },
                "--messages" => options with { Messages = Number() },
                "--message-size" => options with { MessageSize = Number() },
                "--noops" => options with { Noops = Number() },
                "--sessions" => options with { Sessions = Number() },
                "--parts" => options with { Parts = BenchMain.List(Value(), ["bulk", "latency", "idle", "literal"]).ToHashSet() },
                "--literal-size" => options with { LiteralSize = long.TryParse(Value(), out var n) && n > 0 ? n : throw new ArgumentException("--literal-size needs a positive number") },
                "--idle-modes" => options with { IdleModes = BenchMain.List(Value(), ["plaintext", "tls"]).Select(m => m == "tls" ? Mode.Tls : Mode.Plaintext).ToList() },
                "--proxy-env" => AddEnvironment(options, environment, Value()),
                "--keep" => options with { Keep = true },
                "--idle-hold" => options with { IdleHoldSeconds = Number() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (proxy is null) throw new ArgumentException("--proxy PATH/imapproxy.dll is required (bench/relay-bench.sh publishes it)");
        if (!File.Exists(proxy)) throw new ArgumentException($"{proxy} does not exist");
        return options with { ProxyEnvironment = environment };
    }

    private static BenchOptions AddEnvironment(BenchOptions options, Dictionary<string, string> environment, string pair)
    {
        var equals = pair.IndexOf('=');
        if (equals <= 0) throw new ArgumentException($"--proxy-env needs NAME=VALUE, not '{pair}'");
        environment[pair[..equals]] = pair[(equals + 1)..];
        return options;
    }
}
