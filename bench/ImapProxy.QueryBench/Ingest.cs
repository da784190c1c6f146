using System.Diagnostics;
using System.Text.Json;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Protocol;
using ImapProxy.Storage;
using ImapProxy.Storage.Writing;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImapProxy.QueryBench;

/// <summary>What filling the store took.</summary>
/// <param name="Rows">Rows of the events table; <paramref name="BusEvents"/> counts raw chunks too.</param>
/// <param name="WritingCpu">Processor time the process used while the writer worked (nothing else runs then):
/// the rate per CPU second does not depend on what else the machine is doing.</param>
/// <param name="Serializing">Time the events' JSON alone takes, measured apart: the writer's share that is not the database.</param>
internal sealed record IngestResult(long Sessions, long Rows, long BusEvents, long RawBytes, TimeSpan Generating, TimeSpan Writing,
    TimeSpan WritingCpu, TimeSpan Serializing);

/// <summary>What storing one bulk download took: its raw bytes and the writer's time for them.</summary>
internal sealed record BulkResult(long RawBytes, TimeSpan Writing, TimeSpan WritingCpu);

/// <summary>
/// Fills the store through the real writer. Traffic is generated in chunks that fit the store's queue; each
/// chunk is published at once and the writer's time is measured from the first publish to idle, so the rate is
/// the writer's (a batch per transaction, indexes and all), not the traffic generator's.
/// </summary>
internal static class Ingest
{
    private const int ChunkEvents = 80_000;

    // Under half the store's queue budget, beyond which the bus sheds literal bodies (StorageOptions.QueueBytes).
    private const long ChunkRawBytes = 24L * 1024 * 1024;

    /// <summary>The store's real writer, started on a bus of its own that is budgeted as the proxy's is.</summary>
    private static async Task<(EventBus Bus, EventStoreWriter Writer)> StartWriterAsync(EventStore store)
    {
        var bus = new EventBus();
        var writer = new EventStoreWriter(store, bus.Subscribe("store", store.Options.QueueCapacity, essential: true,
            maxBytes: store.Options.QueueBytes), NullLogger<EventStoreWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        return (bus, writer);
    }

    public static async Task<IngestResult> RunAsync(EventStore store, long rows, TextWriter output)
    {
        var (storeBus, writer) = await StartWriterAsync(store);
        using var _ = writer;
        var generation = new EventBus();
        var generated = generation.Subscribe("bench", 4_000_000);
        var traffic = new Traffic(generation);
        long sessions = 0, written = 0, busEvents = 0;
        var generating = TimeSpan.Zero;
        var writing = TimeSpan.Zero;
        var writingCpu = TimeSpan.Zero;
        var serializing = TimeSpan.Zero;
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var chunk = new List<SessionEvent>(ChunkEvents + 10_000);
        while (written < rows)
        {
            var clock = Stopwatch.StartNew();
            chunk.Clear();
            var chunkRows = 0L;
            while (chunk.Count < ChunkEvents && written + chunkRows < rows)
            {
                traffic.Session(store.NextSessionId());
                sessions++;
                while (generated.Reader.TryRead(out var e))
                {
                    chunk.Add(e);
                    if (e is not RawBytes) chunkRows++;
                }
            }
            generating += clock.Elapsed;

            clock.Restart();
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            foreach (var e in chunk)
            {
                if (!storeBus.Publish(e)) throw new InvalidOperationException("the store's queue was full: make chunks smaller");
            }
            await writer.WaitUntilWrittenAsync(CancellationToken.None);
            writing += clock.Elapsed;
            process.Refresh();
            writingCpu += process.TotalProcessorTime - cpu;
            clock.Restart();
            foreach (var e in chunk)
            {
                if (e is not RawBytes) JsonSerializer.Serialize(e, FrameJson.Options);
            }
            serializing += clock.Elapsed;
            written += chunkRows;
            busEvents += chunk.Count;
            output.Write($"\r  {written:N0} rows, {sessions:N0} sessions, {written / writing.TotalSeconds:N0} rows/s written   ");
        }
        await writer.StopAsync(CancellationToken.None);
        output.WriteLine();
        if (writer.EventsWritten != written || writer.EventsDropped + writer.EventsLost + writer.EventsSkipped > 0)
            throw new InvalidOperationException($"the writer stored {writer.EventsWritten:N0} of {written:N0} rows " +
                                                $"(dropped {writer.EventsDropped}, lost {writer.EventsLost}, skipped {writer.EventsSkipped})");
        return new IngestResult(sessions, written, busEvents, writer.RawBytesWritten, generating, writing, writingCpu, serializing);
    }
    /// <summary>
    /// One bulk download (<see cref="Traffic.BulkFetch"/>) through the real writer, published in slices that fit the
    /// queue: the raw MB/s the writer absorbs, which decides whether a fast relay's bodies are kept or shed.
    /// </summary>
    public static async Task<BulkResult> BulkAsync(EventStore store, int messages, int messageBytes)
    {
        var (storeBus, writer) = await StartWriterAsync(store);
        using var _ = writer;
        var generation = new EventBus();
        var generated = generation.Subscribe("bench", 4_000_000);
        var serverBytes = new Traffic(generation).BulkFetch(store.NextSessionId(), messages, messageBytes);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long sliceBytes = 0;
        while (generated.Reader.TryRead(out var e))
        {
            if (!storeBus.Publish(e)) throw new InvalidOperationException("the store's queue was full");
            if (e is RawBytes chunk && (sliceBytes += chunk.Data.Length) >= ChunkRawBytes)
            {
                await writer.WaitUntilWrittenAsync(CancellationToken.None);
                sliceBytes = 0;
            }
        }
        await writer.WaitUntilWrittenAsync(CancellationToken.None);
        var writing = clock.Elapsed;
        process.Refresh();
        var writingCpu = process.TotalProcessorTime - cpu;
        await writer.StopAsync(CancellationToken.None);
        if (writer.EventsDropped + writer.EventsLost + writer.EventsSkipped > 0 || writer.RawBytesWritten < serverBytes)
            throw new InvalidOperationException($"the writer stored {writer.RawBytesWritten:N0} raw bytes for {serverBytes:N0} sent by the server " +
                                                $"(dropped {writer.EventsDropped}, lost {writer.EventsLost}, skipped {writer.EventsSkipped})");
        return new BulkResult(writer.RawBytesWritten, writing, writingCpu);
    }
}
