using System.Security.Cryptography;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Decoding;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Rawlog;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Recording.Findings;

namespace ImapProxy.Recording;

/// <summary>What the parser found in a chunk that the relay must act on (facts, not decisions).</summary>
/// <param name="Consumed">Bytes the parser took; the rest of the chunk lies beyond a TLS boundary.</param>
/// <param name="StartTlsPending">The client sent STARTTLS and the server has not answered yet.</param>
/// <param name="TlsStarted">The server accepted STARTTLS within this chunk, at <paramref name="Consumed"/>.</param>
/// <param name="StartTlsTag">The tag of the pending STARTTLS.</param>
/// <param name="StartTlsRefused">The server answered the pending STARTTLS with anything but OK within this chunk.</param>
public readonly record struct FeedResult(int Consumed, bool StartTlsPending, bool TlsStarted, string? StartTlsTag = null, bool StartTlsRefused = false);

/// <summary>
/// The recording of one session, whatever produced it (the relay, a rawlog import, a client replay, a served
/// capture): feeds each direction's plaintext to the parser and publishes what it finds on the bus, stamped with
/// session id, sequence and time. Lifecycle guarantee: the constructor publishes the one <see cref="SessionOpened"/>,
/// <see cref="Close"/> (or, failing that, <see cref="Dispose"/>) the one <see cref="SessionClosed"/>; nothing is
/// published after it. Callers on several threads are serialised by a lock that keeps sequence in publication
/// order. Publishing never blocks; a failure here disables the parsing, never the caller.
/// </summary>
public sealed class SessionRecording : IImapSink, IDisposable
{
    /// <summary>Bytes of each literal kept unless a recording is told otherwise (the proxy's <c>--literal-cap</c> default).</summary>
    public const long DefaultLiteralLimit = 16L * 1024 * 1024;

    private const int MaxTrackedCommands = 10_000;

    /// <summary>Under pressure (<see cref="EventBus.LetsLargeLiteralsGo"/>), literals above this size go first: a
    /// message body is worth less than the frames around it, which say what happened.</summary>
    public const long SheddableLiteral = 64 * 1024;

    private readonly object gate = new();
    private readonly EventBus bus;
    private readonly TimeProvider time;
    private readonly long startTimestamp;
    private readonly long literalLimit;
    private readonly SessionDecoder decoder;
    private readonly Action<ImapFrame>? frameObserver;
    private readonly bool feederWaitsForStore;
    private readonly SessionAnalyzer analyzer;
    private bool analysisBroken;
    private readonly Dictionary<long, long> commandTimestamps = [];
    private readonly PendingRaw[] raw = [new(), new()];
    // Per direction: the last bytes fed were a literal's, and more of it is to come.
    private readonly bool[] midLiteral = new bool[2];
    // Per direction: what the literal being received has yet to carry, and whether COMPRESS deflates the direction.
    private readonly long[] literalToCome = new long[2];
    private readonly bool[] deflated = new bool[2];
    // Sends bytes held in the middle of a literal once they waited HeldAtMost; created at the first wait.
    private ITimer? heldTimer;
    private bool heldTimerArmed;
    private readonly IncrementalHash?[] literalHashes = new IncrementalHash?[2];
    private readonly (long Kept, TruncationCause Cause)?[] literalCuts = new (long, TruncationCause)?[2];
    private long sequence;
    private long dropped;
    private long droppedReported;
    private bool tlsStarted;
    private readonly long[] fed = new long[2];
    private bool broken;
    private bool closed;

    /// <param name="options">Parser options; recordings that start after login need <see cref="ImapParserOptions.StartsAuthenticated"/>.</param>
    /// <param name="compressedInput">Live sessions see compressed bytes after COMPRESS; recordings may hold them inflated.</param>
    /// <param name="frameObserver">Sees each frame as it is parsed, on the feeding thread (replays steer by it).</param>
    /// <param name="mailboxes">What earlier sessions were told of their mailboxes, for findings across sessions (the relay's).</param>
    /// <param name="feederWaitsForStore">The caller waits for room before each chunk (<see cref="EventBus.WaitForRoomAsync"/>):
    /// large literals are then let go only while the store is stalled, not whenever it is behind.</param>
    public SessionRecording(long sessionId, SessionOpened opened, EventBus bus, TimeProvider time, long literalLimit,
        ImapParserOptions? options = null, CompressedInput compressedInput = CompressedInput.Inflate, Action<ImapFrame>? frameObserver = null,
        MailboxMemory? mailboxes = null, bool feederWaitsForStore = false)
    {
        this.feederWaitsForStore = feederWaitsForStore;
        analyzer = new SessionAnalyzer(mailboxes);
        this.frameObserver = frameObserver;
        SessionId = sessionId;
        this.bus = bus;
        this.time = time;
        this.literalLimit = literalLimit;
        startTimestamp = time.GetTimestamp();
        decoder = new SessionDecoder(this, options, compressedInput);
        Stamp(opened, ++sequence);
    }

    public long SessionId { get; }

    public long DroppedEvents => Interlocked.Read(ref dropped);

    /// <summary>Latest protocol state seen (user, mailbox), for logs and the session list.</summary>
    public StateChangeFrame? State { get; private set; }

    /// <summary>
    /// Bytes the wire is sure to carry next in a direction: what the literal the last bytes fed belong to has yet to
    /// carry (RFC 9051 §4.3), 0 outside a literal. Always 0 after COMPRESS (RFC 4978), where deflate may carry a
    /// literal's bytes in fewer. Read by the direction's own feeder.
    /// </summary>
    public long LiteralBytesToCome(Direction direction) => deflated[(int)direction] ? 0 : Volatile.Read(ref literalToCome[(int)direction]);

    public FeedResult Feed(Direction direction, ReadOnlySpan<byte> bytes)
    {
        lock (gate)
        {
            fed[(int)direction] += bytes.Length;
            if (broken || closed) return new FeedResult(bytes.Length, false, false);
            try
            {
                tlsStarted = false;
                // Decided here, under the lock that orders both directions: a pump that compared later would race
                // the other pump's STARTTLS.
                var pendingBefore = decoder.Parser.PendingTransport == Transport.Tls;
                var consumed = decoder.Feed(direction, bytes);
                FlushRawUnlessMidLiteral();
                var pending = decoder.Parser.PendingTransport == Transport.Tls;
                var refused = direction == Direction.Server && pendingBefore && !pending && !tlsStarted;
                return new FeedResult(consumed, pending, tlsStarted, decoder.Parser.PendingTransportTag, refused);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Break(e);
                return new FeedResult(bytes.Length, false, false);
            }
        }
    }

    /// <summary>Records bytes that must not be parsed as IMAP (STARTTLS injection) in their place in the stream.</summary>
    /// <returns>The bytes as recorded (a client's secrets starred by the parser), for the caller to show.</returns>
    public byte[] ReportUnparsed(Direction direction, ReadOnlySpan<byte> bytes)
    {
        lock (gate)
        {
            if (broken || closed) return [];
            var recorded = decoder.Parser.ReportUnparsed(direction, bytes).ToArray();
            FlushRaw();
            return recorded;
        }
    }

    /// <summary>
    /// Feeds a recorded rawlog pair in conversation order (<see cref="RawlogReplay"/>), then completes both directions.
    /// Raw bytes go out after each line, as after each chunk of a live session; <paramref name="beforeLine"/> sees each
    /// line's timestamp first (to set the clock).
    /// </summary>
    public void Replay(IReadOnlyList<RawlogLine> clientLines, IReadOnlyList<RawlogLine> serverLines, Action<Direction, decimal?>? beforeLine = null)
    {
        lock (gate)
        {
            if (broken || closed) return;
            RawlogReplay.Replay(decoder, clientLines, serverLines, (direction, line) =>
            {
                FlushRaw();
                beforeLine?.Invoke(direction, line.Timestamp);
            });
            FlushRaw();
        }
    }

    /// <summary>Publishes a session-level event (TLS, proxy action...); opening and closing are this type's own.</summary>
    public void Publish(SessionEvent e)
    {
        if (e is SessionOpened or SessionClosed)
            throw new ArgumentException($"{e.GetType().Name} is published by the recording's lifecycle, not by its users", nameof(e));
        lock (gate)
        {
            if (!closed) Stamp(e, e is RawBytes ? 0 : ++sequence);
        }
    }

    /// <summary>
    /// Ends the session: frames still in progress are reported as truncated, then the one <see cref="SessionClosed"/>.
    /// Byte counts default to what was fed; the relay passes what it relayed. Later calls do nothing.
    /// </summary>
    public void Close(CloseReason reason, string detail, long? clientBytes = null, long? serverBytes = null)
    {
        lock (gate)
        {
            if (closed) return;
            if (!broken)
            {
                try
                {
                    decoder.Complete(Direction.Client);
                    decoder.Complete(Direction.Server);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Break(e);
                }
            }
            FlushRaw();
            var closing = new SessionClosed
            {
                Source = EventSource.Proxy, Reason = reason, Detail = detail,
                ClientBytes = clientBytes ?? fed[(int)Direction.Client], ServerBytes = serverBytes ?? fed[(int)Direction.Server],
                Time = time.GetUtcNow(), Elapsed = time.GetElapsedTime(startTimestamp),
            };
            // What only the end tells (commands never answered, a server gone without BYE) comes before the close,
            // and the last drop notice after it, so that it counts those findings too.
            Analyze(closing);
            ReportDrops();
            Stamp(closing, ++sequence);
            closed = true;
            heldTimer?.Dispose();
        }
    }

    void IImapSink.OnFrame(ImapFrame frame)
    {
        var source = frame.Direction == Direction.Client ? EventSource.Client : EventSource.Server;
        // Frames come out when their last byte is parsed; the raw bytes before them go out first.
        FlushRaw();
        Deliver(new FrameParsed(frame) { Source = source, Offset = frame.Offset, Stamp = StampAs(++sequence) });
        frameObserver?.Invoke(frame);
        switch (frame)
        {
            case CommandFrame command:
                if (commandTimestamps.Count >= MaxTrackedCommands) commandTimestamps.Clear();
                commandTimestamps[command.Offset] = time.GetTimestamp();
                break;
            case ResponseFrame { Completes: { } completes, Status: { } status } response:
                var latency = commandTimestamps.Remove(completes.Offset, out var sent) ? time.GetElapsedTime(sent) : TimeSpan.Zero;
                Deliver(new CommandCompleted
                {
                    Source = EventSource.Server, Offset = response.Offset, Tag = completes.Tag, Command = completes.Name,
                    Status = status, CommandOffset = completes.Offset, Latency = latency, Stamp = StampAs(++sequence),
                });
                break;
            case TransportChangeFrame { Transport: Transport.Tls, Direction: Direction.Server }:
                tlsStarted = true;
                break;
            case TransportChangeFrame { Transport: Transport.Deflate } deflate:
                deflated[(int)deflate.Direction] = true;
                break;
            case StateChangeFrame state:
                State = state;
                break;
        }
    }

    void IImapSink.OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal)
    {
        var position = literal is null ? 0 : offset - literal.Offset;
        // Decided at a literal's first byte: kept whole, cut at the capture cap, or (the store falling behind) kept
        // as size and hash only, so that the frames around it still fit in the store's queue.
        if (literal is not null && position == 0) literalCuts[(int)direction] = CutFor(literal);
        // More of the literal's kept bytes to come: what waits waits for them (a cut literal's rest is not kept).
        var keptEnd = literal is null ? 0 : literalCuts[(int)direction] is { } kept ? Math.Min(kept.Kept, literal.Length) : literal.Length;
        midLiteral[(int)direction] = position + bytes.Length < keptEnd;
        Volatile.Write(ref literalToCome[(int)direction], literal is null ? 0 : literal.Length - position - bytes.Length);
        if (literal is null || literalCuts[(int)direction] is not { } cut)
        {
            Append(direction, offset, bytes);
            return;
        }
        // A literal cut (over the cap, or let go while the store is behind): keep what the cut keeps, hash all of it,
        // record what was cut.
        var keep = (int)Math.Clamp(cut.Kept - position, 0, bytes.Length);
        if (keep > 0) Append(direction, offset, bytes[..keep]);
        var hash = literalHashes[(int)direction] ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(bytes);
        if (position + bytes.Length < literal.Length) return;
        literalHashes[(int)direction] = null;
        literalCuts[(int)direction] = null;
        FlushRaw();
        Stamp(new LiteralTruncated
        {
            Source = direction == Direction.Client ? EventSource.Client : EventSource.Server, Offset = literal.Offset,
            LiteralOffset = literal.Offset, Length = literal.Length, Kept = cut.Kept, Cause = cut.Cause,
            Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()),
        }, ++sequence);
        hash.Dispose();
    }

    private (long Kept, TruncationCause Cause)? CutFor(Literal literal)
    {
        if (literal.Length > SheddableLiteral && bus.LetsLargeLiteralsGo(feederWaitsForStore)) return (0, TruncationCause.StoreBehind);
        return literal.Length > literalLimit ? (literalLimit, TruncationCause.CaptureCap) : null;
    }

    private void Append(Direction direction, long offset, ReadOnlySpan<byte> bytes)
    {
        var pending = raw[(int)direction];
        if (pending.Length > 0 && pending.Offset + pending.Length != offset) Flush(direction);
        while (!bytes.IsEmpty)
        {
            if (pending.Length == 0) pending.Offset = offset;
            // Chunks of exactly the pool's size: the store writes them as rows without copying them again.
            var take = Math.Min(bytes.Length, RawChunkPool.ChunkSize - pending.Length);
            bytes[..take].CopyTo(pending.Buffer.AsSpan(pending.Length));
            pending.Length += take;
            offset += take;
            bytes = bytes[take..];
            if (pending.Length == RawChunkPool.ChunkSize) Flush(direction);
        }
    }

    private void FlushRaw()
    {
        Flush(Direction.Client);
        Flush(Direction.Server);
    }

    /// <summary>
    /// The end of a chunk: what waits goes out, so that a live view sees the bytes of a quiet session and an idle one
    /// holds no buffer; except in the middle of a literal, whose next bytes are on their way. A transfer's body then
    /// leaves in whole chunks whatever the reads' sizes (a TLS read yields one record, often 4 KiB): an event, an array
    /// and a copy in the store per 64 KiB rather than per read. The literal's end, the next frame or the close sends the
    /// rest, and at the latest <see cref="HeldAtMost"/> after it began to wait.
    /// </summary>
    private void FlushRawUnlessMidLiteral()
    {
        var held = false;
        foreach (var direction in (ReadOnlySpan<Direction>)[Direction.Client, Direction.Server])
        {
            if (midLiteral[(int)direction] && raw[(int)direction].Length > 0) held = true;
            else Flush(direction);
        }
        if (!held || heldTimerArmed) return;
        heldTimerArmed = true;
        heldTimer ??= time.CreateTimer(static recording => ((SessionRecording)recording!).FlushHeld(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        heldTimer.Change(HeldAtMost, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Bytes held in the middle of a literal go out this long after they began to wait, literal or not: a transfer that
    /// stalls (a server that sent fewer bytes than it announced, a client that stopped reading) shows its last bytes,
    /// which are what its user looks for, while it hangs. A download flushes a part chunk this often at most.
    /// </summary>
    public static readonly TimeSpan HeldAtMost = TimeSpan.FromMilliseconds(200);

    private void FlushHeld()
    {
        lock (gate)
        {
            heldTimerArmed = false;
            if (closed) return;
            try
            {
                FlushRaw();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (!broken) Break(e);
            }
        }
    }

    private void Flush(Direction direction)
    {
        var pending = raw[(int)direction];
        if (pending.Length == 0) return;
        var source = direction == Direction.Client ? EventSource.Client : EventSource.Server;
        var (data, lease) = pending.Take();
        Deliver(new RawBytes { Source = source, Offset = pending.Offset, Data = data, Lease = lease, Stamp = StampAs(0) });
    }

    /// <summary>Publishes a copy of <paramref name="e"/> stamped as event <paramref name="number"/> of this session.</summary>
    private void Stamp(SessionEvent e, long number) => Deliver(e with { Stamp = StampAs(number) });

    private EventStamp StampAs(long number) => new(SessionId, number, time.GetUtcNow(), time.GetElapsedTime(startTimestamp));

    /// <summary>Publishes a stamped event and lets the findings engine see it.</summary>
    private void Deliver(SessionEvent stamped)
    {
        // Nothing follows the close, not even a drop notice (Close sends the last one before it).
        if (!bus.Publish(stamped)) Interlocked.Increment(ref dropped);
        else if (stamped is not SessionClosed) ReportDrops();
        // The findings engine sees every event, stored or dropped: its conclusions do not depend on the store keeping up.
        if (stamped is not (RawBytes or SessionClosed)) Analyze(stamped);
    }

    /// <summary>
    /// Publishes what the findings engine concludes from a stamped event, or from the session's close before that is
    /// stamped; a fault in it stops the findings of this session, never its capture.
    /// </summary>
    private void Analyze(SessionEvent observed)
    {
        if (analysisBroken) return;
        IReadOnlyList<FindingReported> findings;
        try
        {
            findings = observed is SessionClosed closing ? analyzer.Close(closing) : analyzer.Observe(observed);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            analysisBroken = true;
            Stamp(new ProxyAction
            {
                Source = EventSource.Proxy, Action = "findings-failed",
                Description = $"findings stopped for this session after an internal error ({e.GetType().Name}: {e.Message}); capture goes on",
            }, ++sequence);
            return;
        }
        for (var i = 0; i < findings.Count; i++) Stamp(findings[i], ++sequence);
    }

    /// <summary>
    /// After drops, tell the store as soon as it has room again (capture degrades visibly). Each notice counts the
    /// drops since the one before, so the store's sum is exact.
    /// </summary>
    private void ReportDrops()
    {
        var total = Interlocked.Read(ref dropped);
        if (total == droppedReported) return;
        var notice = new CaptureIncomplete { Source = EventSource.Proxy, DroppedEvents = total - droppedReported, Stamp = StampAs(++sequence) };
        if (bus.Publish(notice)) droppedReported = total;
        else Interlocked.Increment(ref dropped);
    }

    private void Break(Exception e)
    {
        broken = true;
        Stamp(new ProxyAction
        {
            Source = EventSource.Proxy, Action = "capture-failed",
            Description = $"capture stopped for this session after an internal error ({e.GetType().Name}: {e.Message}); the relay goes on",
        }, ++sequence);
    }

    /// <summary>Closes the session if its owner did not (an exception on the way), then frees the parser.</summary>
    public void Dispose()
    {
        Close(CloseReason.ProxyError, "the session ended without being closed (an internal error)");
        decoder.Dispose();
        foreach (var hash in literalHashes) hash?.Dispose();
    }

    /// <summary>Raw bytes of one direction waiting to be published as one chunk.</summary>
    /// <remarks>The buffer is rented while bytes wait and leaves at each flush (a full one with the bytes, others back to the
    /// pool): an idle session holds none (a session stopped in the middle of a literal keeps its part chunk).</remarks>
    private sealed class PendingRaw
    {
        private byte[]? buffer;

        public byte[] Buffer => buffer ??= RawChunkPool.Default.Rent(RawChunkPool.ChunkSize);
        public int Length { get; set; }
        public long Offset { get; set; }

        /// <summary>The waiting bytes as an array of their own, and nothing waiting any more.</summary>
        /// <returns>The bytes, and for a full buffer the lease that returns it to the pool once its readers are done.</returns>
        public (byte[] Data, RawChunkLease? Lease) Take()
        {
            var full = buffer!;
            byte[] taken;
            RawChunkLease? lease = null;
            if (Length == full.Length)
            {
                // A full chunk (a transfer's bytes) leaves as it is, and comes back to the pool when the store wrote
                // it: a copy per chunk showed as memmove in the bulk path's profile, a new buffer per chunk as page
                // faults.
                taken = full;
                lease = new RawChunkLease(full, RawChunkPool.Default);
            }
            else
            {
                // Uninitialised: every byte is overwritten at once (zeroing showed as memset in the same profile).
                taken = GC.AllocateUninitializedArray<byte>(Length);
                full.AsSpan(0, Length).CopyTo(taken);
                RawChunkPool.Default.Return(full);
            }
            buffer = null;
            Length = 0;
            return (taken, lease);
        }
    }
}
