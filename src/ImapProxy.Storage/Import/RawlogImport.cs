using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Recording;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Decoding;
using ImapProxy.Protocol.Rawlog;
using ImapProxy.Storage.Writing;
using Microsoft.Extensions.Logging;

namespace ImapProxy.Storage.Import;

public sealed record RawlogImportOptions
{
    /// <summary>Bytes of each literal kept in the store, as the proxy's <c>--literal-cap</c>.</summary>
    public long LiteralCaptureLimit { get; init; } = SessionRecording.DefaultLiteralLimit;
}

/// <summary>
/// Turns a Dovecot rawlog pair (<c>BASE.in</c>: what the server received, <c>BASE.out</c>: what it sent; written by
/// <c>rawlog_dir</c>, usually after login, compressed after COMPRESS) into a stored session that every other feature
/// can use. The pair is replayed through the live sessions' <see cref="SessionRecording"/>, so its events have the same
/// shapes (frames, completions with latencies, raw bytes, state changes); their times are the lines' timestamps.
/// </summary>
public static class RawlogImport
{
    /// <summary>What an imported session has for its client and listener address: it came from no connection.</summary>
    public const string Address = "import";

    /// <summary>Whether a stored session was imported from a rawlog rather than captured by the proxy.</summary>
    public static bool Imported(SessionRow session) => session.ListenerAddress == Address;

    /// <summary>Imports with a bus and writer of its own (the CLI). Returns the new session's id.</summary>
    public static Task<long> ImportAsync(EventStore store, string basePath, RawlogImportOptions? options = null,
        ILogger<EventStoreWriter>? logger = null, CancellationToken cancellationToken = default) =>
        PrivateWriter.RunAsync(store, "import", (bus, writer) => ImportAsync(store, bus, writer, basePath, options, cancellationToken),
            logger, cancellationToken);

    /// <summary>
    /// Imports through a running host's bus, whose <paramref name="writer"/> stores it (live views see it too).
    /// Returns once the session is in the store. Unreadable files throw <see cref="IOException"/> and the like.
    /// </summary>
    public static async Task<long> ImportAsync(EventStore store, EventBus bus, EventStoreWriter writer, string basePath,
        RawlogImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RawlogImportOptions();
        basePath = BaseOf(basePath);
        var clientLines = RawlogFile.Read(await File.ReadAllBytesAsync(basePath + ".in", cancellationToken).ConfigureAwait(false));
        var serverLines = RawlogFile.Read(await File.ReadAllBytesAsync(basePath + ".out", cancellationToken).ConfigureAwait(false));
        // Dovecot's rawlog starts after login; after COMPRESS it holds compressed bytes, ImapProxy's own rawlog exports
        // inflated ones (CompressedInput.Detect tells them apart).
        var parserOptions = RawlogReplay.OptionsFor(serverLines);
        var clock = new ReplayClock(StartOf(clientLines, serverLines) ?? new DateTimeOffset(File.GetLastWriteTimeUtc(basePath + ".out")));
        var id = store.NextSessionId();
        // The replay is synchronous and waits for the writer now and then: keep it off the caller's thread.
        var source = new Source(Path.GetFileName(basePath), clientLines, serverLines, parserOptions);
        await Task.Run(() => Replay(store, bus, writer, id, clock, source, options, cancellationToken), CancellationToken.None)
            .ConfigureAwait(false);
        await writer.WaitUntilWrittenAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    private static void Replay(EventStore store, EventBus bus, EventStoreWriter writer, long id, ReplayClock clock, Source source,
        RawlogImportOptions options, CancellationToken ct)
    {
        var (name, clientLines, serverLines, parserOptions) = source;
        // TLS, if any, is not in a rawlog: the modes stay unknown.
        using var recording = new SessionRecording(id, new SessionOpened
        {
            Source = EventSource.Proxy, ClientAddress = Address, ListenerAddress = Address, Listener = ListenerKind.Plain,
            Upstream = $"{name}.in/.out",
        }, bus, clock, options.LiteralCaptureLimit, parserOptions, CompressedInput.Detect);
        recording.Publish(new ProxyAction
        {
            Source = EventSource.Proxy, Action = "imported",
            Description = $"imported from the rawlog pair {name}.in and {name}.out; TLS, if any, is not in a rawlog",
        });

        // The bus never waits, so the import does: it lets the writer catch up long before the queue is half full in
        // events or bytes, where a live capture would start letting message bodies go. An import loses nothing.
        var (reason, detail) = (CloseReason.EndOfRecording, "end of the rawlog");
        try
        {
            recording.Replay(clientLines, serverLines, (_, timestamp) =>
            {
                ct.ThrowIfCancellationRequested();
                clock.MoveTo(timestamp is { } seconds ? FromRawlog(seconds) : null);
                if (bus.Pressure >= 0.25) writer.WaitUntilWrittenAsync(ct).GetAwaiter().GetResult();
            });
            if (recording.State?.State == ProtocolState.Logout) detail = "end of the rawlog, after LOGOUT";
        }
        catch (Exception e)
        {
            (reason, detail) = e is OperationCanceledException
                ? (CloseReason.ProxyShutdown, "import cancelled")
                : (CloseReason.ProxyError, $"import stopped: {e.GetType().Name}: {e.Message}");
            throw;
        }
        finally
        {
            // A failed import is closed too, with its reason.
            recording.Close(reason, detail, clientLines.Sum(l => (long)l.Bytes.Length), serverLines.Sum(l => (long)l.Bytes.Length));
        }
    }

    private sealed record Source(string Name, IReadOnlyList<RawlogLine> ClientLines, IReadOnlyList<RawlogLine> ServerLines,
        ImapParserOptions ParserOptions);

    /// <summary>The earlier of the two files' first timestamps; null for a rawlog without timestamps.</summary>
    private static DateTimeOffset? StartOf(IReadOnlyList<RawlogLine> clientLines, IReadOnlyList<RawlogLine> serverLines)
    {
        var first = new[] { clientLines.FirstOrDefault()?.Timestamp, serverLines.FirstOrDefault()?.Timestamp }.Where(t => t is not null).Min();
        return first is { } seconds ? FromRawlog(seconds) : null;
    }

    /// <summary>Dovecot's "seconds.microseconds" since the epoch.</summary>
    private static DateTimeOffset FromRawlog(decimal seconds) => DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));

    /// <summary>BASE, also when given as one of the pair's files.</summary>
    private static string BaseOf(string path)
    {
        foreach (var extension in new[] { ".in", ".out" })
        {
            if (path.EndsWith(extension, StringComparison.Ordinal) && !File.Exists(path + ".in") && File.Exists(path))
                return path[..^extension.Length];
        }
        return path;
    }
}
