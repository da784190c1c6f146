
namespace ImapProxy.Storage.Export;

public enum ExportFormat
{
    /// <summary>One JSON object per stored event, in sequence order (the stored JSON, FrameJson's shape).</summary>
    Jsonl,

    /// <summary>Readable C:/S: text of the conversation, faithful to the stored bytes.</summary>
    Transcript,

    /// <summary>Dovecot's rawlog pair (BASE.in, BASE.out) with timestamps, in a zip.</summary>
    Rawlog,

    /// <summary>A libpcap file of the plaintext in synthetic TCP/IP packets, for Wireshark.</summary>
    Pcap,
}

/// <summary>
/// Exports of one stored session, each written to a stream asynchronously (the HTTP API writes to a response body,
/// the CLI to a file). They read the store page by page and window by window, so memory stays bounded whatever
/// the session's size. A missing session is an <see cref="EventStoreException"/>.
/// </summary>
public static class SessionExport
{
    /// <summary>The formats as users type them (--format, ?format=), in the order the dashboard offers them.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = [.. Enum.GetValues<ExportFormat>().Select(f => f.ToString().ToLowerInvariant())];

    public static Task WriteAsync(ExportFormat format, EventStore store, long sessionId, Stream destination,
        CancellationToken cancellationToken = default) => format switch
    {
        ExportFormat.Jsonl => WriteJsonLinesAsync(store, sessionId, destination, cancellationToken),
        ExportFormat.Transcript => WriteTranscriptAsync(store, sessionId, destination, null, cancellationToken),
        ExportFormat.Rawlog => WriteRawlogAsync(store, sessionId, destination, null, cancellationToken),
        ExportFormat.Pcap => WritePcapAsync(store, sessionId, destination, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>A file name for the export: <c>imapproxy-session-12.transcript.txt</c>, ...</summary>
    public static string FileName(ExportFormat format, long sessionId) => $"{BaseName(sessionId)}{Extension(format)}";

    public static string ContentType(ExportFormat format) => format switch
    {
        ExportFormat.Jsonl => "application/x-ndjson",
        ExportFormat.Transcript => "text/plain; charset=utf-8",
        ExportFormat.Rawlog => "application/zip",
        ExportFormat.Pcap => "application/vnd.tcpdump.pcap",
        _ => "application/octet-stream",
    };

    public static async Task WriteJsonLinesAsync(EventStore store, long sessionId, Stream destination, CancellationToken cancellationToken = default)
    {
        var conversation = new StoredConversation(store, sessionId);
        var output = new ExportOutput(destination, cancellationToken);
        foreach (var row in conversation.Events())
        {
            output.Write(row.Json);
            output.Write("\n");
            await output.CommitAsync().ConfigureAwait(false);
        }
        await output.FlushAsync().ConfigureAwait(false);
    }

    public static Task WriteTranscriptAsync(EventStore store, long sessionId, Stream destination, TranscriptOptions? options = null,
        CancellationToken cancellationToken = default) =>
        TranscriptExport.WriteAsync(new StoredConversation(store, sessionId), new ExportOutput(destination, cancellationToken),
            options ?? TranscriptOptions.Default);

    /// <param name="baseName">Names the files in the zip, <c>BASE.in</c> and <c>BASE.out</c>; by default <c>imapproxy-session-ID</c>.</param>
    public static Task WriteRawlogAsync(EventStore store, long sessionId, Stream destination, string? baseName = null,
        CancellationToken cancellationToken = default) =>
        RawlogExport.WriteAsync(store, sessionId, baseName ?? BaseName(sessionId), destination, cancellationToken);

    public static Task WritePcapAsync(EventStore store, long sessionId, Stream destination, CancellationToken cancellationToken = default) =>
        PcapExport.WriteAsync(new StoredConversation(store, sessionId), new ExportOutput(destination, cancellationToken));

    private static string BaseName(long sessionId) => $"imapproxy-session-{sessionId}";

    private static string Extension(ExportFormat format) => format switch
    {
        ExportFormat.Jsonl => ".jsonl",
        ExportFormat.Transcript => ".transcript.txt",
        ExportFormat.Rawlog => ".rawlog.zip",
        ExportFormat.Pcap => ".pcap",
        _ => "",
    };
}
