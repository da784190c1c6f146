using System.Text;

namespace ImapProxy.Capture.Relay;

/// <summary>Reads CRLF-terminated lines from a stream for the proxy's own short exchanges (greeting, STARTTLS).
/// Bytes read past the last line stay in <see cref="Buffered"/>.</summary>
internal sealed class LineReader(Stream stream)
{
    private const int MaxLine = 64 * 1024;
    private byte[] buffer = new byte[4096];
    private int length;

    public ReadOnlyMemory<byte> Buffered => buffer.AsMemory(0, length);

    /// <summary>Waits for the first bytes without asking for a whole line; false when the stream ended before any.</summary>
    public async Task<bool> FillAsync(CancellationToken ct)
    {
        if (length > 0) return true;
        length = await stream.ReadAsync(buffer, ct);
        return length > 0;
    }

    /// <summary>The next line with its CRLF, or null when the stream ended first.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var lf = buffer.AsSpan(0, length).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(buffer, 0, lf + 1);
                buffer.AsSpan(lf + 1, length - lf - 1).CopyTo(buffer);
                length -= lf + 1;
                return line;
            }
            if (length >= MaxLine) throw new SessionEndException(Recording.Events.CloseReason.ProxyError, "the server sent a line longer than 64 KiB where the proxy expected a short one");
            if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var n = await stream.ReadAsync(buffer.AsMemory(length), ct);
            if (n == 0) return null;
            length += n;
        }
    }
}
