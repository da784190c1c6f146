using ImapProxy.Protocol;
using ImapProxy.Protocol.Decoding;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Rawlog;

namespace ImapProxy.Cli;

/// <summary>
/// <c>imapproxy parse --from client|server FILE</c> and <c>imapproxy parse --rawlog BASE</c>: parse recorded bytes
/// offline and print one JSON object per frame. Malformed frames are data (exit 0); unreadable input exits 1.
/// </summary>
internal static class ParseVerb
{
    public static int ParseOneDirection(Direction direction, string file, TextWriter output, TextWriter error)
    {
        if (!RecordedFile.TryRead("parse", file, error, out var bytes)) return ExitCodes.Unreadable;
        var options = ImapParserOptions.Default with
        {
            Directions = direction == Direction.Client ? FedDirections.ClientOnly : FedDirections.ServerOnly,
        };
        using var decoder = new SessionDecoder(new JsonLinesSink(output), options, CompressedInput.Detect);
        var taken = decoder.Feed(direction, bytes);
        if (taken < bytes.Length)
            decoder.Parser.ReportUnparsed(direction, bytes.AsSpan(taken), Protocol.Diagnostics.Rules.NotPlaintext);
        decoder.Complete(direction);
        return ExitCodes.Ok;
    }

    public static int ParseRawlog(string baseName, TextWriter output, TextWriter error)
    {
        if (!RecordedFile.TryRead("parse", baseName + ".in", error, out var input) || !RecordedFile.TryRead("parse", baseName + ".out", error, out var outgoing))
            return ExitCodes.Unreadable;
        var clientLines = RawlogFile.Read(input);
        var serverLines = RawlogFile.Read(outgoing);
        // Dovecot's rawlog holds the compressed bytes after COMPRESS; ImapProxy's exports hold them inflated.
        using var decoder = new SessionDecoder(new JsonLinesSink(output), RawlogReplay.OptionsFor(serverLines), CompressedInput.Detect);
        RawlogReplay.Replay(decoder, clientLines, serverLines);
        return ExitCodes.Ok;
    }


    private sealed class JsonLinesSink(TextWriter output) : IImapSink
    {
        public void OnFrame(ImapFrame frame) => output.WriteLine(FrameJson.Serialize(frame));

        public void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal) { }
    }
}
