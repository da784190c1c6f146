using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol.Session;

/// <summary>
/// The client's way into its framer. After <c>{n}</c>, AUTHENTICATE or IDLE what the client sends next depends on
/// the server's answer (RFC 3501 §7.5, §6.2.2, RFC 2177): bytes that arrive before it are held, bounded, until
/// the answer decides how to read them. After STARTTLS or COMPRESS nothing more is taken until the answer
/// (RFC 3501 §6.2.1, RFC 4978 §3). Held bytes whose answer will not be seen are read as the client meant them
/// (see <see cref="Turn.AssumeContinuation()"/>), so that a secret among them is redacted as what it is.
/// </summary>
internal sealed class HeldClientBytes(Framer client, Turn turn, int capacity)
{
    /// <summary>A buffer grown past this is not kept for the next hold.</summary>
    private const int RetainedCapacity = 64 * 1024;

    private byte[] held = [];
    private int length;

    /// <summary>Reads what can be read now and holds the rest; returns the bytes taken, fewer than offered only
    /// when the client waits for a transport switch.</summary>
    public int Offer(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            if (turn.ClientWaits)
            {
                if (turn.PendingTransport is not null) return i;
                Hold(data[i..]);
                return data.Length;
            }
            i += client.Step(data[i..]);
        }
        return i;
    }

    public bool Holds => length > 0;

    /// <summary>The server decided how to read the client: read what the client sent meanwhile.</summary>
    public void Resume()
    {
        if (turn.ClientWaits || length == 0) return;
        var bytes = Take();
        var consumed = Offer(bytes);
        // Stopped at STARTTLS/COMPRESS: keep the rest until the server answers it.
        if (consumed < bytes.Length) Hold(bytes.AsSpan(consumed));
    }

    /// <summary>The held bytes cannot be read (the transport changed under them): they are passed on unparsed,
    /// flagged with <paramref name="rule"/>.</summary>
    public void ReportUnparsed(Rule rule)
    {
        if (length > 0) client.ReportUnparsed(Take(), rule);
    }

    /// <summary>The client's stream ended: no answer will come. The held bytes are read as if each continuation they
    /// wait for had come; what waits for a transport switch is passed on unparsed.</summary>
    public void Complete()
    {
        if (length == 0) return;
        var bytes = Take();
        var read = client.ReadSafely(bytes, ReadAssumingContinuations);
        client.ReportUnparsed(bytes.AsSpan(read), Rules.Truncated);
    }

    private int ReadAssumingContinuations(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && (!turn.ClientWaits || turn.AssumeContinuation())) i += client.Step(data[i..]);
        return i;
    }

    private void Hold(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        if ((long)length + data.Length > capacity)
        {
            Overflow(data);
            return;
        }
        if (length + data.Length > held.Length)
            Array.Resize(ref held, Math.Max(length + data.Length, Math.Min(held.Length * 2 + 256, capacity)));
        data.CopyTo(held.AsSpan(length));
        length += data.Length;
    }

    private void Overflow(ReadOnlySpan<byte> data)
    {
        byte[] pending = [.. Take(), .. data];
        if (!turn.AssumeContinuation())
        {
            client.ReportUnparsed(pending, Rules.ClientDidNotWait);
            return;
        }
        // The client did not wait for "+": read what it sent as it meant it; a literal as LITERAL+ would (RFC 7888).
        client.Stream.Frame?.Report(Rules.ClientDidNotWait, client.Stream.Frame.LineLength - 1);
        var read = client.ReadSafely(pending, Offer);
        // Stopped at STARTTLS/COMPRESS: keep the rest until the server answers it.
        Hold(pending.AsSpan(read));
    }

    private byte[] Take()
    {
        var bytes = held.AsSpan(0, length).ToArray();
        length = 0;
        if (held.Length > RetainedCapacity) held = [];
        return bytes;
    }
}
