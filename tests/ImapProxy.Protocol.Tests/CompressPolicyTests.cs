using System.IO.Compression;
using System.Text;
using ImapProxy.Protocol.Decoding;
using ImapProxy.Protocol.Responses;

namespace ImapProxy.Protocol.Tests;

/// <summary>
/// What the relay's decoding does around COMPRESS=DEFLATE (RFC 4978), without sockets: the relay forwards the
/// compressed bytes unchanged and this decoding is what makes the session readable. Each direction is compressed
/// here by .NET's own DeflateStream, flushed after each command or response as RFC 4978 §4 asks.
/// </summary>
public sealed class CompressPolicyTests
{
    private const string Greeting = "* OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] ready\r\n";

    [Fact]
    public void Accepted_BothDirectionsAreInflatedFromTheByteAfterTheOk()
    {
        using var client = new Deflater();
        using var server = new Deflater();

        var session = ParsedSession.Run(
        [
            Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"),
            // The OK and the first compressed response in one read: the switch falls inside it.
            Server([.. Text("a1 OK DEFLATE active\r\n"), .. server.Compress("* 2 EXISTS\r\n")]),
            Client(client.Compress("a2 NOOP\r\n")), Server(server.Compress("a2 OK done\r\n")),
            Client(client.Compress("a3 LOGOUT\r\n")), Server(server.Compress("* BYE\r\na3 OK bye\r\n")),
        ]);

        Assert.Equal(["a1 COMPRESS", "a2 NOOP", "a3 LOGOUT"], Commands(session));
        Assert.Equal(["a1 OK", "a2 OK", "a3 OK"], Completions(session));
        Assert.Contains(session.Frames.OfType<ResponseFrame>(), r => r.Status == ResponseStatus.Bye);
        // The compressed response that came in the same read as the OK is read too.
        Assert.Equal(2UL, Assert.IsType<NumberData>(session.Frames.OfType<ResponseFrame>().Single(r => r.Name == "EXISTS").Data).Number);
        Assert.Empty(Problems(session));
        // What the store keeps is the conversation as text, not the compressed bytes.
        Assert.EndsWith("a2 NOOP\r\na3 LOGOUT\r\n", session.ClientText);
    }

    [Fact]
    public void Refused_TheBytesAfterTheNoStayPlaintext()
    {
        var session = ParsedSession.Run(
        [
            Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Server("a1 NO [CANNOT] not now\r\n"),
            Client("a2 NOOP\r\n"), Server("a2 OK done\r\n"),
        ]);

        Assert.Equal(["a1 COMPRESS", "a2 NOOP"], Commands(session));
        Assert.Equal(["a1 NO", "a2 OK"], Completions(session));
        Assert.Empty(Problems(session));
    }

    /// <summary>A client that starts compressing before the server answered (RFC 4978 §3 says it must wait; some do not).</summary>
    [Fact]
    public void ClientCompressingBeforeTheOk_IsKeptAndReadOnceTheServerAccepts()
    {
        using var client = new Deflater();
        using var server = new Deflater();

        var session = ParsedSession.Run(
        [
            Server(Greeting),
            Client([.. Text("a1 COMPRESS DEFLATE\r\n"), .. client.Compress("a2 NOOP\r\n")]),
            Server("a1 OK DEFLATE active\r\n"), Server(server.Compress("a2 OK done\r\n")),
        ]);

        Assert.Equal(["a1 COMPRESS", "a2 NOOP"], Commands(session));
        Assert.Equal(["a1 OK", "a2 OK"], Completions(session));
    }

    [Fact]
    public void CorruptCompressedData_IsReportedOnceAndNothingThrows()
    {
        using var server = new Deflater();
        byte[] garbage = [0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x13, 0x37];

        var session = ParsedSession.Run(
        [
            Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Server("a1 OK DEFLATE active\r\n"),
            Client(garbage), Client(Text("a2 NOOP\r\n")), Server(server.Compress("* 1 EXISTS\r\n")),
        ]);

        var problem = Assert.Single(Problems(session));
        Assert.Equal(("deflate-corrupt", Direction.Client), (problem.Rule, problem.Direction));
        Assert.Equal((0L, ""), (session.Frames.OfType<MalformedFrame>().Single().Length, session.Frames.OfType<MalformedFrame>().Single().Preview));
        // Nothing after the corruption is read as the client's (the stream cannot be resynchronised).
        Assert.DoesNotContain(session.Frames.OfType<CommandFrame>(), c => c.Tag == "a2");
        // The server's direction is its own stream and goes on being read.
        Assert.Contains(session.Frames.OfType<ResponseFrame>(), r => r.Name == "EXISTS");
    }

    [Fact]
    public void TooMuchDataBeforeTheServersAnswer_IsDroppedAndSaidSo()
    {
        var flood = new byte[1024 * 1024 + 1];

        var session = ParsedSession.Run([Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Client(flood), Server("a1 OK DEFLATE active\r\n")]);

        // Said once; the dropped bytes are not inflated after the OK either (zeros would be a corrupt stored block).
        var problem = Assert.Single(Problems(session));
        Assert.Equal(("client-did-not-wait", Direction.Client), (problem.Rule, problem.Direction));
        Assert.EndsWith("data after COMPRESS before the server's answer, dropped", Diagnostic(session).Message);
    }

    [Fact]
    public void DataBeforeTheServersAnswer_UpToTheLimit_IsKept()
    {
        var session = ParsedSession.Run([Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Client(new byte[1024 * 1024])]);

        Assert.Empty(Problems(session));
    }

    [Fact]
    public void ClientCompressingBeforeTheOk_InSeveralReads_IsKeptWhole()
    {
        using var client = new Deflater();
        using var server = new Deflater();

        var session = ParsedSession.Run(
        [
            Server(Greeting),
            Client([.. Text("a1 COMPRESS DEFLATE\r\n"), .. client.Compress("a2 NOOP\r\n")]), Client(client.Compress("a3 NOOP\r\n")),
            Server("a1 OK DEFLATE active\r\n"), Server(server.Compress("a2 OK done\r\na3 OK done\r\n")),
        ]);

        Assert.Equal(["a1 COMPRESS", "a2 NOOP", "a3 NOOP"], Commands(session));
        Assert.Equal(["a1 OK", "a2 OK", "a3 OK"], Completions(session));
        Assert.Empty(Problems(session));
    }

    /// <summary>The decoder takes what follows COMPRESS itself (it inflates it once the server accepts); what follows
    /// STARTTLS is the caller's (a TLS handshake, RFC 3501 §6.2.1): Feed says how much it took.</summary>
    [Fact]
    public void Feed_TakesTheBytesAfterCompress_AndLeavesTheBytesAfterStartTls()
    {
        using var client = new Deflater();
        using var server = new Deflater();
        var session = new ParsedSession();
        using (var decoder = new SessionDecoder(session))
        {
            decoder.Feed(Direction.Server, Text(Greeting));
            byte[] sent = [.. Text("a1 COMPRESS DEFLATE\r\n"), .. client.Compress("a2 NOOP\r\n")];
            Assert.Equal(sent.Length, decoder.Feed(Direction.Client, sent));
            decoder.Feed(Direction.Server, [.. Text("a1 OK DEFLATE active\r\n"), .. server.Compress("a2 OK done\r\n")]);
        }
        Assert.Equal(["a1 COMPRESS", "a2 NOOP"], Commands(session));
        Assert.Equal(["a1 OK", "a2 OK"], Completions(session));

        using var tls = new SessionDecoder(new ParsedSession());
        tls.Feed(Direction.Server, Text("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"));
        Assert.Null(tls.Parser.PendingTransportTag);
        byte[] clientHello = [0x16, 0x03, 0x01, 0x00, 0xF4]; // a TLS record header (RFC 8446 §5.1)
        Assert.Equal("a1 STARTTLS\r\n".Length, tls.Feed(Direction.Client, [.. Text("a1 STARTTLS\r\n"), .. clientHello]));
        Assert.Equal(("a1", Transport.Tls), (tls.Parser.PendingTransportTag, tls.Parser.PendingTransport));
    }

    /// <summary>PendingTransportTag names a STARTTLS or COMPRESS waiting for its answer, not any command the client waits on.</summary>
    [Fact]
    public void PendingTransportTag_IsNull_WhileTheClientWaitsForSomethingElse()
    {
        using var decoder = new SessionDecoder(new ParsedSession());
        decoder.Feed(Direction.Server, Text("* PREAUTH [CAPABILITY IMAP4rev1 IDLE STARTTLS] ready\r\n"));
        decoder.Feed(Direction.Client, Text("a1 IDLE\r\n"));

        Assert.Equal(((string?)null, (Transport?)null), (decoder.Parser.PendingTransportTag, decoder.Parser.PendingTransport));
    }

    /// <summary>ImapProxy's own exports hold the inflated text; a Dovecot rawlog holds what was on the wire: Detect tells.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Detect_ReadsInflatedAndCompressedRecordingsAlike(bool compressed)
    {
        using var client = new Deflater();
        using var server = new Deflater();
        byte[] Wire(Deflater d, string text) => compressed ? d.Compress(text) : Text(text);

        var session = ParsedSession.Run(
        [
            Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Server("a1 OK DEFLATE active\r\n"),
            Client(Wire(client, "a2 SELECT INBOX\r\n")), Server(Wire(server, "* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n")),
        ], compressedInput: CompressedInput.Detect);

        Assert.Equal(["a1 COMPRESS", "a2 SELECT"], Commands(session));
        Assert.Equal(["a1 OK", "a2 OK"], Completions(session));
        Assert.Empty(Problems(session));
    }

    /// <summary>Short commands whose tag starts with P to W compress (fixed Huffman codes, RFC 1951 §3.2.6) to a first
    /// byte 0x0A, a line feed: an empty first line, which is not plaintext.</summary>
    [Fact]
    public void Detect_CompressedDataStartingWithALineFeedByte_IsInflated()
    {
        using var client = new Deflater(CompressionLevel.Fastest); // fixed Huffman codes, as zlib sends short pieces
        using var server = new Deflater();
        var wire = client.Compress("T2 SELECT INBOX\r\n");
        Assert.Equal((byte)'\n', wire[0]); // the case this test is about

        var session = ParsedSession.Run(
        [
            Server(Greeting), Client("T1 COMPRESS DEFLATE\r\n"), Server("T1 OK DEFLATE active\r\n"),
            Client(wire), Server(server.Compress("T2 OK [READ-WRITE] done\r\n")),
        ], compressedInput: CompressedInput.Detect);

        Assert.Equal(["T1 COMPRESS", "T2 SELECT"], Commands(session));
        Assert.Empty(Problems(session));
    }

    /// <summary>An empty first line decides at once (it is not plaintext): the compressed command is read when it comes,
    /// before the server's answer to it, not when the session ends.</summary>
    [Fact]
    public void Detect_CompressedDataStartingWithALineFeedByte_IsReadWhenItComes()
    {
        using var client = new Deflater(CompressionLevel.Fastest);
        var wire = client.Compress("T2 SELECT INBOX\r\n");
        Assert.Equal((byte)'\n', wire[0]);
        var session = new ParsedSession();
        using var decoder = new SessionDecoder(session, compressedInput: CompressedInput.Detect);
        decoder.Feed(Direction.Server, Text(Greeting));
        decoder.Feed(Direction.Client, Text("T1 COMPRESS DEFLATE\r\n"));
        decoder.Feed(Direction.Server, Text("T1 OK DEFLATE active\r\n"));
        decoder.Feed(Direction.Client, wire);

        Assert.Equal(["T1 COMPRESS", "T2 SELECT"], Commands(session));
    }

    /// <summary>The first line is judged when it is whole (or cannot be plaintext), not on the first piece that came.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // compressed, its first bytes may be printable (zlib: 4A 34 52 F0 for "a2 NOOP")
    public void Detect_AFirstLineComingByteByByte_IsJudgedWhole(bool compressed)
    {
        using var client = new Deflater();
        using var server = new Deflater();
        byte[] Wire(Deflater d, string text) => compressed ? d.Compress(text) : Text(text);

        var session = ParsedSession.Run(
        [
            Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Server("a1 OK DEFLATE active\r\n"),
            Client(Wire(client, "a2 NOOP\r\n")), Server(Wire(server, "a2 OK done\r\n")),
        ], chunking: n => Enumerable.Repeat(1, n), compressedInput: CompressedInput.Detect);

        Assert.Equal(["a1 COMPRESS", "a2 NOOP"], Commands(session));
        Assert.Equal(["a1 OK", "a2 OK"], Completions(session));
        Assert.Empty(Problems(session));
    }

    [Fact]
    public void CorruptCompressedData_AtTheEndOfTheStream_IsReported()
    {
        var session = ParsedSession.Run(
        [
            Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Server("a1 OK DEFLATE active\r\n"), Client([0xFF, 0xFF, 0xFF, 0xFF]),
        ]);

        Assert.Equal([("deflate-corrupt", Direction.Client)], Problems(session));
    }

    /// <summary>The first line is undecided until its end; a session that ends before it still shows what was sent.</summary>
    [Fact]
    public void Detect_ASessionEndingInsideTheFirstLine_ShowsItAsTruncated()
    {
        var session = ParsedSession.Run(
        [
            Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Server("a1 OK DEFLATE active\r\n"), Client(Text("a2 NOO")),
        ], compressedInput: CompressedInput.Detect);

        Assert.EndsWith("\r\na2 NOO", session.ClientText);
        Assert.Contains(session.Frames, f => f is MalformedFrame { Direction: Direction.Client } m && m.Diagnostics![0].Rule == "truncated");
    }

    /// <summary>A first line longer than the detection window (256 bytes) is decided on its first 256 printable bytes.</summary>
    [Fact]
    public void Detect_AFirstLineOf256PrintableBytes_IsPlaintext_WhateverFollows()
    {
        // The line's UTF-8 (8-bit, so not what the detection calls printable) comes after its first 256 bytes.
        var start = "a2 SEARCH CHARSET UTF-8 SUBJECT \"";
        var longLine = start + new string('x', 256 - start.Length);
        var session = ParsedSession.Run(
        [
            Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Server("a1 OK DEFLATE active\r\n"),
            Client(Text(longLine)), Client(Encoding.UTF8.GetBytes("é\"\r\n")), Server("a2 OK done\r\n"),
        ], compressedInput: CompressedInput.Detect);

        Assert.Equal(["a1 COMPRESS", "a2 SEARCH"], Commands(session));
        Assert.DoesNotContain(Problems(session), p => p.Rule == "deflate-corrupt");
    }

    /// <summary>Inflate (a live capture, a Dovecot rawlog) takes the bytes after the switch as DEFLATE data, also when they
    /// look like text: text there is corrupt compressed data, and said so.</summary>
    [Fact]
    public void Inflate_TakesTheBytesAfterTheSwitchAsCompressed_EvenWhenTheyLookLikeText()
    {
        var session = ParsedSession.Run(
        [
            Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Server("a1 OK DEFLATE active\r\n"), Client("a2 NOOP\r\n"),
        ]);

        Assert.Equal([("deflate-corrupt", Direction.Client)], Problems(session));
        Assert.Equal(["a1 COMPRESS"], Commands(session));
    }

    private static Diagnostics.Diagnostic Diagnostic(ParsedSession session) =>
        session.Frames.OfType<MalformedFrame>().SelectMany(f => f.Diagnostics ?? []).Single();

    private static Step Client(string text) => new(Direction.Client, Text(text));

    private static Step Client(byte[] bytes) => new(Direction.Client, bytes);

    private static Step Server(string text) => new(Direction.Server, Text(text));

    private static Step Server(byte[] bytes) => new(Direction.Server, bytes);

    private static byte[] Text(string text) => Encoding.ASCII.GetBytes(text);

    private static List<string> Commands(ParsedSession session) =>
        session.Frames.OfType<CommandFrame>().Select(c => $"{c.Tag} {c.Name}").ToList();

    private static List<string> Completions(ParsedSession session) =>
        session.Frames.OfType<ResponseFrame>().Where(r => r.ResponseKind == ResponseKind.Tagged).Select(r => $"{r.Tag} {r.Status.ToString()!.ToUpperInvariant()}").ToList();

    private static List<(string Rule, Direction Direction)> Problems(ParsedSession session) =>
        session.Frames.OfType<MalformedFrame>().SelectMany(f => f.Diagnostics ?? [], (f, d) => (d.Rule, f.Direction)).ToList();

    /// <summary>One direction's compressor: raw DEFLATE, sync-flushed after each piece (RFC 4978 §4).</summary>
    private sealed class Deflater : IDisposable
    {
        private readonly MemoryStream output = new();
        private readonly DeflateStream deflate;

        public Deflater(CompressionLevel level = CompressionLevel.Optimal) => deflate = new DeflateStream(output, level, leaveOpen: true);

        public byte[] Compress(string text)
        {
            output.SetLength(0);
            deflate.Write(Text(text));
            deflate.Flush();
            return output.ToArray();
        }

        public void Dispose() => deflate.Dispose();
    }
}
