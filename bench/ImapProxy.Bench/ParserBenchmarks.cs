using BenchmarkDotNet.Attributes;
using ImapProxy.Protocol;

namespace ImapProxy.Bench;

/// <summary>
/// The parser's throughput on both directions of a session, fed in 16 KiB chunks as the relay feeds it.
/// Targets (bench/README.md): literal-heavy ≥ 1 GB/s with no allocation per literal byte; metadata-heavy ≥ 100 MB/s.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class ParserBenchmarks
{
    private RecordedSession literalHeavy = null!;
    private RecordedSession metadataHeavy = null!;

    [GlobalSetup]
    public void Setup()
    {
        literalHeavy = Workloads.LiteralHeavy;
        metadataHeavy = Workloads.MetadataHeavy;
        // A benchmark of input the parser rejects would measure its error path: make sure both parse cleanly.
        Check(literalHeavy, nameof(LiteralHeavy));
        Check(metadataHeavy, nameof(MetadataHeavy));
    }

    [Benchmark]
    public long LiteralHeavy() => Parse(literalHeavy);

    [Benchmark]
    public long MetadataHeavy() => Parse(metadataHeavy);

    private static long Parse(RecordedSession session)
    {
        var sink = new CountingSink();
        session.FeedTo(new ImapSessionParser(sink));
        return sink.Frames;
    }

    private static void Check(RecordedSession session, string name)
    {
        var sink = new CountingSink();
        session.FeedTo(new ImapSessionParser(sink));
        if (sink.Diagnostics > 0)
        {
            var first = string.Join(Environment.NewLine, sink.Flagged.Select(FrameJson.Serialize));
            throw new InvalidOperationException($"{name}: {sink.Diagnostics} frames with diagnostics, e.g.{Environment.NewLine}{first}");
        }
        if (sink.Bytes != session.TotalBytes)
            throw new InvalidOperationException($"{name}: the sink saw {sink.Bytes} bytes of {session.TotalBytes}");
    }
}
