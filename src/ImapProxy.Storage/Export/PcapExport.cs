using System.Net;
using ImapProxy.Protocol;

namespace ImapProxy.Storage.Export;

/// <summary>
/// A stored session as a pcap of one synthetic TCP connection, client 10.0.0.1 to server 10.0.0.2:143, so that
/// Wireshark's IMAP dissector (port 143) shows the conversation: a three-way handshake, the plaintext in segments of
/// at most 1400 bytes with consistent sequence and acknowledgment numbers, the receiver acknowledging each run, and
/// FINs at the end (RFC 9293 §3.5, §3.6). Timestamps are the events'. The payload is the stored plaintext (after TLS,
/// inflated after COMPRESS), with bytes the capture did not keep filled in (<see cref="NotCaptured"/>).
/// </summary>
internal sealed class PcapExport
{
    private const int MaxSegment = 1400;
    private const long AcknowledgeEvery = 32 * 1024;
    private const ushort ImapPort = 143;
    private const ushort FallbackClientPort = 49152;

    private readonly ExportOutput output;
    private readonly Side client;
    private readonly Side server;
    private DateTimeOffset time;

    private PcapExport(ExportOutput output, SessionRow session)
    {
        this.output = output;
        var port = IPEndPoint.TryParse(session.ClientAddress ?? "", out var endpoint) && endpoint.Port > 0 ? (ushort)endpoint.Port : FallbackClientPort;
        // Initial sequence numbers are arbitrary (RFC 9293 §3.4.1); fixed ones keep exports reproducible.
        client = new Side(new TcpEndpoint(0x0A00_0001, port), 0x1000_0000);
        server = new Side(new TcpEndpoint(0x0A00_0002, ImapPort), 0x2000_0000);
        time = session.StartedAt;
    }

    public static async Task WriteAsync(StoredConversation conversation, ExportOutput output)
    {
        var export = new PcapExport(output, conversation.Session);
        PcapFile.WriteHeader(output);
        export.Handshake();
        foreach (var step in conversation.Steps())
        {
            if (step is BytesStep bytes) await export.SendAsync(conversation.Raw(bytes.Direction), bytes);
            else export.At(step.Time);
        }
        export.Close(conversation.Session);
        await output.FlushAsync();
    }

    private void Handshake()
    {
        Send(client, server, TcpFlags.Syn, []);
        Send(server, client, TcpFlags.Syn | TcpFlags.Ack, []);
        Send(client, server, TcpFlags.Ack, []);
    }

    private async Task SendAsync(RawCursor raw, BytesStep step)
    {
        At(step.Time);
        var (sender, receiver) = step.Direction == Direction.Client ? (client, server) : (server, client);
        var segment = new byte[MaxSegment];
        var filled = 0;
        long unacknowledged = 0;
        foreach (var piece in raw.Read(step.From, step.To))
        {
            foreach (var chunk in NotCaptured.Bytes(piece))
            {
                var bytes = chunk.Span;
                while (!bytes.IsEmpty)
                {
                    var take = Math.Min(bytes.Length, MaxSegment - filled);
                    bytes[..take].CopyTo(segment.AsSpan(filled));
                    filled += take;
                    bytes = bytes[take..];
                    if (filled < MaxSegment) continue;
                    Send(sender, receiver, TcpFlags.Psh | TcpFlags.Ack, segment);
                    filled = 0;
                    unacknowledged += MaxSegment;
                    if (unacknowledged < AcknowledgeEvery) continue;
                    Send(receiver, sender, TcpFlags.Ack, []);
                    unacknowledged = 0;
                }
                await output.CommitAsync();
            }
        }
        if (filled > 0) Send(sender, receiver, TcpFlags.Psh | TcpFlags.Ack, segment.AsSpan(0, filled));
        Send(receiver, sender, TcpFlags.Ack, []);
    }

    /// <summary>The side that ended the session sends the first FIN; the other answers with its own (RFC 9293 §3.6).</summary>
    private void Close(SessionRow session)
    {
        if (session.EndedAt is { } ended) At(ended);
        var (first, second) = session.CloseReason?.StartsWith("server", StringComparison.Ordinal) == true ? (server, client) : (client, server);
        Send(first, second, TcpFlags.Fin | TcpFlags.Ack, []);
        Send(second, first, TcpFlags.Fin | TcpFlags.Ack, []);
        Send(first, second, TcpFlags.Ack, []);
    }

    private void Send(Side from, Side to, TcpFlags flags, ReadOnlySpan<byte> payload)
    {
        var acknowledgment = flags.HasFlag(TcpFlags.Ack) ? to.Next : 0;
        var packet = TcpIpPacket.Build(from.Endpoint, to.Endpoint, from.Identification++, from.Next, acknowledgment, flags, payload);
        PcapFile.WritePacket(output, time, packet);
        // SYN and FIN each take one sequence number (RFC 9293 §3.4).
        from.Next += (uint)payload.Length + (flags.HasFlag(TcpFlags.Syn) || flags.HasFlag(TcpFlags.Fin) ? 1u : 0u);
    }

    /// <summary>Moves the clock forward (never back: capture tools expect packets in time order).</summary>
    private void At(DateTimeOffset when)
    {
        if (when > time) time = when;
    }

    private sealed class Side(TcpEndpoint endpoint, uint initialSequence)
    {
        public TcpEndpoint Endpoint => endpoint;
        public uint Next { get; set; } = initialSequence;
        public ushort Identification { get; set; }
    }
}
