using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ImapProxy.Bench -- --filter '*'   (see bench/README.md)
BenchmarkSwitcher.FromAssembly(typeof(ImapProxy.Bench.ParserBenchmarks).Assembly).Run(args);
