using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol.Decoding;

/// <summary>
/// Feeds a session's plaintext (TLS already removed) into an <see cref="ImapSessionParser"/> and follows
/// COMPRESS=DEFLATE itself: once the server accepts it, each direction's bytes are inflated before parsing
/// (RFC 4978 §3). STARTTLS is left to the caller, who owns the TLS streams.
/// </summary>
public sealed class SessionDecoder : IImapSink, IDisposable
{
    private const int MaxPendingCompressed = 1024 * 1024;

    private readonly IImapSink sink;
    private readonly DeflateDecoder?[] inflaters = new DeflateDecoder?[2];
    private byte[]? clientCompressedEarly;

    public SessionDecoder(IImapSink sink, ImapParserOptions? options = null)
    {
        this.sink = sink;
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
        if (inflaters[(int)direction] is { } inflater)
        {
            Inflate(direction, inflater, bytes);
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
            if (inflaters[(int)direction] is { } started)
            {
                Inflate(direction, started, rest);
                consumed = bytes.Length;
            }
            else if (direction == Direction.Client && Parser.PendingTransport == Transport.Deflate)
            {
                KeepEarlyCompressed(rest);
                consumed = bytes.Length;
            }
        }
        if (direction == Direction.Server && clientCompressedEarly is { } early && inflaters[(int)Direction.Client] is { } client)
        {
            clientCompressedEarly = null;
            Inflate(Direction.Client, client, early);
        }
        return consumed;
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

    private void Inflate(Direction direction, DeflateDecoder inflater, ReadOnlySpan<byte> compressed)
    {
        var failedBefore = inflater.Error is not null;
        inflater.Decode(compressed, plaintext =>
        {
            var taken = Parser.Feed(direction, plaintext);
            if (taken < plaintext.Length) Parser.ReportUnparsed(direction, plaintext[taken..], Rules.NotPlaintext);
        });
        if (!failedBefore && inflater.Error is { } error)
            Parser.ReportProblem(direction, Rules.DeflateCorrupt, error);
    }

    void IImapSink.OnFrame(ImapFrame frame)
    {
        if (frame is TransportChangeFrame { Transport: Transport.Deflate } change)
            inflaters[(int)change.Direction] ??= new DeflateDecoder();
        sink.OnFrame(frame);
    }

    void IImapSink.OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal) =>
        sink.OnBytes(direction, offset, bytes, literal);

    public void Dispose()
    {
        foreach (var inflater in inflaters) inflater?.Dispose();
    }
}
