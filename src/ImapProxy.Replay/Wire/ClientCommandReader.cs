namespace ImapProxy.Replay.Wire;

/// <summary>
/// Reads what a client sends, as lines and literal bodies, for the server replay. Lines are bounded; literal bodies
/// are handed on in chunks and never held whole, so a client can only end its own session, not fill memory.
/// </summary>
internal sealed class ClientCommandReader(Stream stream)
{
    public const int MaxLine = 1024 * 1024;
    private readonly byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;

    /// <returns>The next line with its terminator; null when the client closed the connection.</returns>
    public async Task<byte[]?> ReadLineAsync(CancellationToken ct)
    {
        var line = new MemoryStream();
        while (true)
        {
            if (start == end && !await FillAsync(ct)) return line.Length > 0 ? line.ToArray() : null;
            var lf = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            var take = lf >= 0 ? lf + 1 : end - start;
            if (line.Length + take > MaxLine) throw new IOException($"the client sent a line longer than {MaxLine / 1024} KiB");
            line.Write(buffer, start, take);
            start += take;
            if (lf >= 0) return line.ToArray();
        }
    }

    /// <summary>Reads a literal body of <paramref name="length"/> bytes, chunk by chunk.</summary>
    public async Task ReadLiteralAsync(long length, Action<ReadOnlyMemory<byte>> chunk, CancellationToken ct)
    {
        while (length > 0)
        {
            if (start == end && !await FillAsync(ct)) throw new IOException("the client closed the connection inside a literal");
            var take = (int)Math.Min(length, end - start);
            chunk(buffer.AsMemory(start, take));
            start += take;
            length -= take;
        }
    }

    /// <summary>Whether bytes are waiting that were read past the last line (after STARTTLS they must not be used).</summary>
    public bool HasBuffered => start < end;

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        start = 0;
        end = await stream.ReadAsync(buffer, ct);
        return end > 0;
    }
}
