using System.IO.Compression;
using System.Text;
using ImapProxy.Protocol.Decoding;

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
        // The server's direction is its own stream and goes on being read.
        Assert.Contains(session.Frames.OfType<ResponseFrame>(), r => r.Name == "EXISTS");
    }

    [Fact]
    public void TooMuchDataBeforeTheServersAnswer_IsDroppedAndSaidSo()
    {
        var flood = new byte[1024 * 1024 + 1];

        var session = ParsedSession.Run([Server(Greeting), Client("a1 COMPRESS DEFLATE\r\n"), Client(flood)]);

        var problem = Assert.Single(Problems(session));
        Assert.Equal(("client-did-not-wait", Direction.Client), (problem.Rule, problem.Direction));
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

        public Deflater() => deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true);

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
