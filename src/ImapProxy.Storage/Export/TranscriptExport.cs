using ImapProxy.Protocol;
using ImapProxy.Recording;
using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Export;

/// <summary>
/// A readable <c>C:</c>/<c>S:</c> transcript of a stored session, in the order things happened, with the proxy's
/// actions, TLS and COMPRESS as <c>#</c> lines. Faithful: the <c>C:</c> lines, prefixes removed and read as
/// <see cref="TranscriptText"/> says, are the stored client bytes, and likewise for <c>S:</c>; what a line does not
/// show (the middle of a long literal, bytes the capture did not keep) is named by a <c>#</c> line that ends in
/// <c>(client offset N, M bytes)</c>.
/// </summary>
internal sealed class TranscriptExport
{
    private readonly StoredConversation conversation;
    private readonly ExportOutput output;
    private readonly TranscriptOptions options;
    private readonly PendingLine[] pending = [new(), new()];
    private readonly List<(Direction Direction, LiteralSpan Literal, string Note)> truncated = [];

    private TranscriptExport(StoredConversation conversation, ExportOutput output, TranscriptOptions options)
    {
        this.conversation = conversation;
        this.output = output;
        this.options = options;
    }

    public static async Task WriteAsync(StoredConversation conversation, ExportOutput output, TranscriptOptions options)
    {
        var export = new TranscriptExport(conversation, output, options);
        export.WriteHeader(conversation.Session);
        foreach (var step in conversation.Steps())
        {
            if (step is BytesStep bytes) await export.WriteBytesAsync(bytes);
            else export.WriteEvent((EventStep)step);
            await output.CommitAsync();
        }
        await output.FlushAsync();
    }

    private void WriteHeader(SessionRow s)
    {
        Comment($"ImapProxy transcript of session {s.Id}");
        Comment($"client {s.ClientAddress ?? "?"} via {s.Listener ?? "?"} listener {s.ListenerAddress ?? "?"}, upstream {s.Upstream ?? "?"} ({s.UpstreamTls ?? "?"})");
        var ended = s.EndedAt is { } end ? $", ended {Time(end)} ({s.CloseReason}: {s.CloseDetail})" : ", not closed";
        Comment($"started {Time(s.StartedAt)}{ended}");
        Comment(@"C: client to server, S: server to client. A line stands for its bytes and a CRLF, unless it ends in a lone \;");
        Comment(@"other bytes are escaped as \r \n \xNN, and \ as \\ where it could be read as one of these.");
        Comment("Secrets were replaced by * when captured.");
        if (s.CaptureIncomplete) Comment($"capture incomplete: {s.DroppedEvents} events were dropped");
    }

    private async Task WriteBytesAsync(BytesStep step)
    {
        var position = step.From;
        foreach (var literal in step.Literals.OrderBy(l => l.Offset))
        {
            if (literal.Length <= options.InlineLiteralBytes) continue;
            var start = Math.Max(position, literal.Offset);
            var end = Math.Min(literal.End, step.To);
            await ShowAsync(step.Direction, position, start);
            var previewEnd = PreviewEnd(conversation.Raw(step.Direction), start, end);
            await ShowAsync(step.Direction, start, previewEnd);
            if (end > previewEnd)
            {
                EndLine(step.Direction);
                if (Truncation(step.Direction, literal.Offset) is { } note) Comment(note);
                Comment($"… {{{literal.Length} bytes}} literal: {end - previewEnd} more bytes not shown {Where(step.Direction, previewEnd, end)}");
            }
            position = Math.Max(position, end);
        }
        await ShowAsync(step.Direction, position, step.To);
        // Whatever follows in this direction comes later, after other steps: a line left open here ends in '\'.
        EndLine(step.Direction);
    }

    private async Task ShowAsync(Direction direction, long from, long to)
    {
        foreach (var piece in conversation.Raw(direction).Read(from, to))
        {
            if (piece.Data is { } data)
            {
                Add(direction, data.Span);
                await output.CommitAsync();
                continue;
            }
            EndLine(direction);
            var note = Truncation(direction, piece.Offset) is { } truncation ? $" ({truncation})" : "";
            Comment($"… {piece.Length} bytes not captured{note} {Where(direction, piece.Offset, piece.End)}");
        }
    }

    /// <summary>Where the preview of a long literal stops: after its first lines, within a byte budget, before a gap.</summary>
    private long PreviewEnd(RawCursor raw, long start, long end)
    {
        var limit = Math.Min(end, start + options.PreviewBytes);
        var lines = 0;
        var lastLineEnd = start;
        foreach (var piece in raw.Read(start, limit))
        {
            if (piece.Data is not { } data) return piece.Offset;
            var span = data.Span;
            for (var i = 0; i < span.Length; i++)
            {
                if (span[i] != '\n') continue;
                lastLineEnd = piece.Offset + i + 1;
                if (++lines == options.PreviewLines) return lastLineEnd;
            }
        }
        return limit == end || lastLineEnd == start ? limit : lastLineEnd;
    }

    private void Add(Direction direction, ReadOnlySpan<byte> bytes)
    {
        var line = pending[(int)direction];
        while (!bytes.IsEmpty)
        {
            var lf = bytes.IndexOf((byte)'\n');
            if (lf < 0)
            {
                line.Write(bytes);
                return;
            }
            line.Write(bytes[..(lf + 1)]);
            bytes = bytes[(lf + 1)..];
            EndLine(direction);
        }
    }

    private void EndLine(Direction direction)
    {
        var line = pending[(int)direction];
        if (line.Length == 0) return;
        output.Write(TranscriptText.Line(direction == Direction.Client ? "C: " : "S: ", line.GetBuffer().AsSpan(0, (int)line.Length)));
        line.SetLength(0);
    }

    private void WriteEvent(EventStep step)
    {
        switch (step.Event)
        {
            case FrameParsed { Frame: var frame }:
                WriteFrameNotes(frame);
                break;
            case LiteralTruncated cut:
                // Said where the literal is shown, not here: the bytes it is about come later in the transcript.
                truncated.Add((cut.Source == EventSource.Client ? Direction.Client : Direction.Server,
                    new LiteralSpan(cut.LiteralOffset, cut.Length), EventText.Describe(cut)!));
                break;
            case SessionClosed closed:
                Comment($"{EventText.Describe(closed)} (at {Time(step.Row.Time)})");
                break;
            case SessionOpened or CommandCompleted:
                break; // the header says where the session came from; completions are the S: lines themselves
            case var e when EventText.Describe(e) is { } line:
                Comment(line);
                break;
        }
    }

    private void WriteFrameNotes(ImapFrame frame)
    {
        // The parser reports a transport change once per direction; the server's OK is where it happens.
        if (frame is TransportChangeFrame { Direction: Direction.Server } change)
            Comment($"--- {EventText.Describe(change)}; shown {(change.Transport == Transport.Tls ? "decrypted" : "inflated")} ---");
        if (frame is MalformedFrame malformed) Comment(EventText.Describe(malformed)!);
        foreach (var diagnostic in frame.Diagnostics ?? []) Comment($"! {EventText.Describe(diagnostic)}");
    }

    private string? Truncation(Direction direction, long offset) =>
        truncated.FirstOrDefault(t => t.Direction == direction && t.Literal.Offset <= offset && offset < t.Literal.End).Note;

    private void Comment(string text) => output.Write(TranscriptText.Comment(text));

    private static string Where(Direction direction, long from, long to) =>
        $"({(direction == Direction.Client ? "client" : "server")} offset {from}, {to - from} bytes)";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'");

    /// <summary>The bytes of a line not ended yet in one direction.</summary>
    private sealed class PendingLine : MemoryStream;
}
