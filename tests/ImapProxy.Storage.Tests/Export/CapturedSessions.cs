using System.IO.Compression;
using System.Text;
using ImapProxy.Recording.Events;
using ImapProxy.Recording;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Decoding;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Rawlog;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Export;

/// <summary>
/// Stored sessions made the way the relay makes them: the recorded real Dovecot sessions (Fixtures/recorded) fed
/// chunk by chunk through the live <see cref="SessionRecording"/> on a real bus into the real store, with TLS handshakes
/// and the clock moving as on the wire.
/// </summary>
internal static class CapturedSessions
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 22, 14, 53, TimeSpan.Zero);

    /// <summary>Through the proxy (from the greeting), with and without COMPRESS; and Dovecot's own rawlog (after login).</summary>
    public static TheoryData<string> Recordings() => new("imapproxy-capture", "imapproxy-capture-compress", "dovecot-rawlog", "dovecot-rawlog-compress");

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "recorded", name);

    /// <summary>Captures a recording as a live implicit-TLS session; returns its id once it is stored.</summary>
    public static async Task<long> CaptureAsync(StoreHarness h, string name, long literalLimit = 16 * 1024 * 1024)
    {
        var steps = Steps(name);
        var id = h.Store.NextSessionId();
        var clock = new ReplayClock(steps.FirstOrDefault(s => s.Time is not null).Time ?? Start);
        var serverLines = RawlogFile.Read(File.ReadAllBytes(Fixture(name + ".out")));
        using (var tap = new SessionRecording(id, new SessionOpened
            {
                Source = EventSource.Proxy, ClientAddress = "192.0.2.7:52114", ListenerAddress = "127.0.0.1:1993", Listener = ListenerKind.Tls,
                Upstream = "imap.example.test:993", UpstreamTls = UpstreamTlsMode.Implicit, ClientTls = ClientTlsMode.Mirror,
            }, h.Bus, clock, literalLimit, RawlogReplay.OptionsFor(serverLines)))
        {
            tap.Publish(Handshake(TlsLeg.Client));
            tap.Publish(Handshake(TlsLeg.Upstream));
            foreach (var step in steps)
            {
                clock.MoveTo(step.Time);
                var result = tap.Feed(step.Direction, step.Bytes);
                Assert.Equal(step.Bytes.Length, result.Consumed);
            }
            tap.Close(CloseReason.ServerClosed, "the server closed the connection");
        }
        await h.IdleAsync();
        return id;
    }

    /// <summary>
    /// The recording as the wire carried it, one step per rawlog line (or compressed write) in conversation order.
    /// ImapProxy's recordings hold inflated bytes after COMPRESS: they are deflated again here, flushed per line as
    /// clients do (RFC 4978 §4), so the tap inflates them like live traffic. Without rawlog timestamps the clock
    /// moves 2 ms per line.
    /// </summary>
    public static List<(Direction Direction, byte[] Bytes, DateTimeOffset? Time)> Steps(string name)
    {
        var clientLines = RawlogFile.Read(File.ReadAllBytes(Fixture(name + ".in")));
        var serverLines = RawlogFile.Read(File.ReadAllBytes(Fixture(name + ".out")));
        var options = RawlogReplay.OptionsFor(serverLines);
        var inflated = name.StartsWith("imapproxy", StringComparison.Ordinal);
        using var decoder = new SessionDecoder(new NoSink(), options, CompressedInput.Detect);
        using var clientDeflate = new LineDeflater();
        using var serverDeflate = new LineDeflater();
        var time = Start;
        var steps = new List<(Direction, byte[], DateTimeOffset?)>();
        // Dovecot's compressed lines come cut at the writes' flushes, as they came off the wire.
        RawlogReplay.Replay(decoder, clientLines, serverLines, (direction, line) =>
        {
            var bytes = line.Bytes;
            if (decoder.Parser.Compressed && inflated) bytes = (direction == Direction.Client ? clientDeflate : serverDeflate).Deflate(bytes);
            time += TimeSpan.FromMilliseconds(2);
            steps.Add((direction, bytes, line.Timestamp is { } t ? DateTimeOffset.UnixEpoch.AddTicks((long)(t * TimeSpan.TicksPerSecond)) : time));
        });
        return steps;
    }

    /// <summary>LOGIN with both arguments as synchronizing literals, each released by the server's "+".</summary>
    public static readonly (Direction Direction, string Text)[] LiteralLogin =
    [
        (Direction.Server, "* OK ready\r\n"),
        (Direction.Client, "a1 LOGIN {5}\r\n"),
        (Direction.Server, "+ go on\r\n"),
        (Direction.Client, "alice {6}\r\n"),
        (Direction.Server, "+ go on\r\n"),
        (Direction.Client, "secret\r\n"),
        (Direction.Server, "a1 OK logged in\r\n"),
    ];

    /// <summary>A small live session fed as given, one (direction, text) step each 5 ms.</summary>
    public static async Task<long> CaptureAsync(StoreHarness h, long literalLimit, params (Direction Direction, string Text)[] steps)
    {
        var id = h.Store.NextSessionId();
        var clock = new ReplayClock(Start);
        using (var tap = new SessionRecording(id, new SessionOpened
            {
                Source = EventSource.Proxy, ClientAddress = "127.0.0.1:50123", ListenerAddress = "127.0.0.1:1143", Listener = ListenerKind.Plain,
                Upstream = "127.0.0.1:143", UpstreamTls = UpstreamTlsMode.None, ClientTls = ClientTlsMode.Mirror,
            }, h.Bus, clock, literalLimit))
        {
            foreach (var (direction, text) in steps)
            {
                clock.Advance(TimeSpan.FromMilliseconds(5));
                tap.Feed(direction, Encoding.UTF8.GetBytes(text));
            }
            tap.Close(CloseReason.ClientClosed, "bye", 0, 0);
        }
        await h.IdleAsync();
        return id;
    }

    private static TlsHandshake Handshake(TlsLeg leg) => new()
    {
        Source = EventSource.Proxy, Leg = leg, Succeeded = true, Protocol = "Tls13", Cipher = "TLS_AES_256_GCM_SHA384",
        ServerName = "imap.example.test",
    };

    private sealed class NoSink : IImapSink
    {
        public void OnFrame(ImapFrame frame) { }
        public void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal) { }
    }

    /// <summary>One direction's DEFLATE stream, flushed after each line (a sync flush, as RFC 4978 §4 asks).</summary>
    private sealed class LineDeflater : IDisposable
    {
        private readonly MemoryStream output = new();
        private readonly DeflateStream deflate;

        public LineDeflater() => deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true);

        public byte[] Deflate(byte[] line)
        {
            output.SetLength(0);
            deflate.Write(line);
            deflate.Flush();
            return output.ToArray();
        }

        public void Dispose() => deflate.Dispose();
    }
}
