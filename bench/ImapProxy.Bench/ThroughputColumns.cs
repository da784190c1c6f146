using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ImapProxy.Bench;

/// <summary>Adds MB/s and allocated bytes per MB parsed, computed from each workload's size (1 MB = 10^6 bytes).</summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig()
    {
        AddColumn(new WorkloadColumn("Data (MB)", "Bytes parsed per operation, both directions, in 10^6 bytes",
            (_, _, megabytes) => megabytes.ToString("N1")));
        AddColumn(new WorkloadColumn("MB/s", "Throughput: data size / mean time",
            (summary, benchmark, megabytes) => summary[benchmark]?.ResultStatistics is { } stats
                ? (megabytes / (stats.Mean / 1e9)).ToString("N0")
                : "-"));
        AddColumn(new WorkloadColumn("Alloc/MB", "Bytes allocated per MB parsed",
            (summary, benchmark, megabytes) => summary[benchmark]?.GcStats.GetBytesAllocatedPerOperation(benchmark) is { } allocated
                ? (allocated / megabytes).ToString("N0") + " B"
                : "-"));
    }

    private sealed class WorkloadColumn(string name, string legend, Func<Summary, BenchmarkCase, double, string> value) : IColumn
    {
        public string Id => nameof(WorkloadColumn) + name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => legend;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            Workloads.ByBenchmarkName(benchmarkCase.Descriptor.WorkloadMethod.Name) is { } session
                ? value(summary, benchmarkCase, session.TotalBytes / 1e6)
                : "-";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
    }
}
