using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol.Decoding;

/// <summary>What the bytes after an accepted COMPRESS DEFLATE are.</summary>
public enum CompressedInput
{
    /// <summary>Compressed, as on the wire (live capture, Dovecot's rawlog).</summary>
    Inflate,

    /// <summary>Already inflated (ImapProxy's own store and its exports).</summary>
    AlreadyInflated,

    /// <summary>Look at the first line after the switch: printable text ending in CRLF is plaintext.</summary>
    Detect,
}

/// <summary>
/// Feeds a session's plaintext (TLS already removed) into an <see cref="ImapSessionParser"/> and follows
/// COMPRESS=DEFLATE itself: once the server accepts it, each direction's bytes are inflated before parsing
/// (RFC 4978 §3). STARTTLS is left to the caller, who owns the TLS streams.
/// </summary>
public sealed class SessionDecoder : IImapSink, IDisposable
{
    private const int MaxPendingCompressed = 1024 * 1024;
    private const int DetectionWindow = 256;

    private readonly IImapSink sink;
    private readonly CompressedInput compressedInput;
    private readonly AfterCompress?[] afterCompress = new AfterCompress?[2];
    private byte[]? clientCompressedEarly;

    public SessionDecoder(IImapSink sink, ImapParserOptions? options = null, CompressedInput compressedInput = CompressedInput.Inflate)
    {
        this.sink = sink;
        this.compressedInput = compressedInput;
        Parser = new ImapSessionParser(this, options);
    }

    public ImapSessionParser Parser { get; }

    /// <summary>
    /// Feeds one direction's plaintext. Returns how many bytes were taken; fewer than offered only at a TLS
    /// boundary: on the client side after STARTTLS (offer the rest again once the server answered, or report it
    /// with <see cref="ImapSessionParser.ReportUnparsed"/> if TLS began), on the server side right after the OK
    /// that starts TLS (what follows it is not part of the TLS session).
    /// </summary>
    public int Feed(Direction direction, ReadOnlySpan<byte> bytes)
    {
        if (afterCompress[(int)direction] is { } compressed)
        {
            compressed.Feed(bytes);
            return bytes.Length;
        }
        if (direction == Direction.Client && Parser.PendingTransport == Transport.Deflate)
        {
            KeepEarlyCompressed(bytes);
            return bytes.Length;
        }

        var consumed = Parser.Feed(direction, bytes);
        if (consumed < bytes.Length)
        {
            var rest = bytes[consumed..];
            if (afterCompress[(int)direction] is { } started)
            {
                started.Feed(rest);
                consumed = bytes.Length;
            }
            else if (direction == Direction.Client && Parser.PendingTransport == Transport.Deflate)
            {
                KeepEarlyCompressed(rest);
                consumed = bytes.Length;
            }
        }
        if (direction == Direction.Server && clientCompressedEarly is { } early && afterCompress[(int)Direction.Client] is { } client)
        {
            clientCompressedEarly = null;
            client.Feed(early);
        }
        return consumed;
    }

    /// <summary>The direction's stream ended: undecided bytes are settled and frames in progress reported as truncated.</summary>
    public void Complete(Direction direction)
    {
        afterCompress[(int)direction]?.Complete();
        Parser.Complete(direction);
    }

    /// <summary>Client bytes sent after COMPRESS but before the server's answer: kept until it comes.</summary>
    private void KeepEarlyCompressed(ReadOnlySpan<byte> bytes)
    {
        var kept = clientCompressedEarly ?? [];
        if (kept.Length + bytes.Length > MaxPendingCompressed)
        {
            Parser.ReportProblem(Direction.Client, Rules.ClientDidNotWait, "data after COMPRESS before the server's answer, dropped");
            clientCompressedEarly = null;
            return;
        }
        clientCompressedEarly = [.. kept, .. bytes];
    }

    void IImapSink.OnFrame(ImapFrame frame)
    {
        if (frame is TransportChangeFrame { Transport: Transport.Deflate } change)
            afterCompress[(int)change.Direction] ??= new AfterCompress(Parser, change.Direction, compressedInput);
        sink.OnFrame(frame);
    }

    void IImapSink.OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal) =>
        sink.OnBytes(direction, offset, bytes, literal);

    public void Dispose()
    {
        foreach (var state in afterCompress) state?.Dispose();
    }

    /// <summary>One direction after COMPRESS was accepted: inflating, passing plaintext through, or still deciding which.</summary>
    private sealed class AfterCompress(ImapSessionParser parser, Direction direction, CompressedInput input) : IDisposable
    {
        private DeflateDecoder? inflater = input == CompressedInput.Inflate ? new DeflateDecoder() : null;
        private bool plain = input == CompressedInput.AlreadyInflated;
        private List<byte>? undecided = input == CompressedInput.Detect ? [] : null;

        public void Feed(ReadOnlySpan<byte> bytes)
        {
            if (undecided is not null)
            {
                undecided.AddRange(bytes);
                if (Decide(final: false)) Flush();
                return;
            }
            if (plain)
            {
                var taken = parser.Feed(direction, bytes);
                if (taken < bytes.Length) parser.ReportUnparsed(direction, bytes[taken..], Rules.NotPlaintext);
                return;
            }
            var failedBefore = inflater!.Error is not null;
            inflater.Decode(bytes, plaintext =>
            {
                var taken = parser.Feed(direction, plaintext);
                if (taken < plaintext.Length) parser.ReportUnparsed(direction, plaintext[taken..], Rules.NotPlaintext);
            });
            if (!failedBefore && inflater.Error is { } error) parser.ReportProblem(direction, Rules.DeflateCorrupt, error);
        }

        public void Complete()
        {
            if (undecided is null) return;
            Decide(final: true);
            Flush();
        }

        /// <summary>Plaintext when the first line is non-empty printable ASCII ending in CRLF; compressed data is not
        /// (every DEFLATE flush ends in 00 00 FF FF, RFC 1951 §3.2.4 stored block).</summary>
        private bool Decide(bool final)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(undecided);
            var lf = span.IndexOf((byte)'\n');
            var line = lf >= 0 ? span[..lf] : span;
            var printable = true;
            foreach (var b in line) printable &= b is >= 0x20 and < 0x7F or (byte)'\r' or (byte)'\t';
            if (!printable || lf >= 0 || final || span.Length >= DetectionWindow)
            {
                // An empty first line is not plaintext: compressed data may start with 0x0A.
                plain = printable && line.Length > 0;
                if (!plain) inflater = new DeflateDecoder();
                return true;
            }
            return false;
        }

        private void Flush()
        {
            var bytes = undecided!.ToArray();
            undecided = null;
            if (bytes.Length > 0) Feed(bytes);
        }

        public void Dispose() => inflater?.Dispose();
    }
}
