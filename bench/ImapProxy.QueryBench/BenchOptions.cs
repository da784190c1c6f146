using System.Globalization;

namespace ImapProxy.QueryBench;

/// <summary>Command line of the query benchmark.</summary>
internal sealed record BenchOptions(long Events, string? Data, bool Keep, int Runs, bool Queries = true, string? Store = null,
    string? Instance = null, int BulkMessages = 200, bool Retention = false)
{
    public const string Usage = """
        usage: query-bench [--events N] [--data DIR | --store URL] [--keep] [--runs N] [--no-queries] [--instance NAME] [--retention]
          --events N   rows to store in the events table (default 1000000)
          --data DIR   use this directory; a store already there is queried as it is (no ingest)
          --store URL  a PostgreSQL store (postgresql://USER@HOST/DB): an empty one is filled, one with events queried as it is
          --keep       keep the generated store (in a temp directory unless --data)
          --runs N     timed runs per query, after one untimed (default 7); the median is reported
          --no-queries ingest and measure the store only
          --instance NAME  the instance name its sessions carry (two benches on one PostgreSQL store: two proxies)
          --bulk N     after the ingest, store a bulk download of N messages of 1 MiB and time it (default 200; 0: none)
          --retention  instead (an empty PostgreSQL --store): store N rows twice, in two blocks of session ids, and time
                       retention dropping one block's partitions against deleting the other's rows
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(1_000_000, null, false, 7);
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--events" => options with { Events = long.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture) },
                "--data" => options with { Data = Value() },
                "--store" => options with { Store = Value() },
                "--keep" => options with { Keep = true },
                "--no-queries" => options with { Queries = false },
                "--retention" => options with { Retention = true },
                "--instance" => options with { Instance = Value() },
                "--bulk" => options with { BulkMessages = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture) },
                "--runs" => options with { Runs = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return options;
    }
}
