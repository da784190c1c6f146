using System.Buffers;
using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// Consecutive bytes of one direction, ready to become a row of the raw table. <see cref="Data"/> is valid only while
/// the call it is handed to runs: a merged row's bytes are in a pooled buffer, reused for the next one.
/// </summary>
internal readonly record struct RawRow(long SessionId, string Direction, long Offset, ReadOnlyMemory<byte> Data);

/// <summary>
/// Merges the many small raw chunks of a direction into rows of up to <c>rowBytes</c>, so a 500 MB literal is
/// thousands of rows rather than millions. A chunk that does not continue the pending row (a gap left by a cut
/// literal) starts a new row; a chunk of a whole row is a row of its own. Pending bytes live in pooled buffers until <see cref="Flush(long)"/>.
/// </summary>
internal sealed class RawRows(int rowBytes, Action<RawRow> write)
{
    private sealed class Pending(long sessionId, string direction, long offset, byte[] buffer)
    {
        public long SessionId { get; } = sessionId;
        public string Direction { get; } = direction;
        public long Offset { get; } = offset;
        public byte[] Buffer { get; } = buffer;
        public int Length { get; set; }
        public long End => Offset + Length;
    }

    private readonly Dictionary<(long Session, EventSource Source), Pending> pending = [];

    public void Add(RawBytes chunk)
    {
        if (chunk.Source == EventSource.Proxy)
            throw new InvalidDataException("raw bytes must belong to the client or the server direction");
        if (chunk.Offset is not { } offset) throw new InvalidDataException("raw bytes without an offset");
        var key = (chunk.SessionId, chunk.Source);
        if (chunk.Data.Length == rowBytes)
        {
            // A full row already (bulk transfers arrive so): written as it is, without a copy, after the shorter row
            // pending before it. Topping that row up instead would shift every later chunk of the transfer across two
            // rows, and copy all of them (a partial chunk comes at each message's end).
            Write(key);
            write(new RawRow(chunk.SessionId, StoredText.Of(chunk.Source), offset, chunk.Data));
            return;
        }
        var data = chunk.Data.AsSpan();
        while (!data.IsEmpty)
        {
            if (pending.TryGetValue(key, out var row) && (row.End != offset || row.Length == rowBytes))
            {
                Write(key);
                row = null;
            }
            if (row is null)
            {
                row = new Pending(chunk.SessionId, StoredText.Of(chunk.Source), offset, ArrayPool<byte>.Shared.Rent(rowBytes));
                pending.Add(key, row);
            }
            var take = Math.Min(data.Length, rowBytes - row.Length);
            data[..take].CopyTo(row.Buffer.AsSpan(row.Length));
            row.Length += take;
            offset += take;
            data = data[take..];
        }
    }

    /// <summary>Writes the pending rows of one session (it closed: nothing will follow).</summary>
    public void Flush(long sessionId)
    {
        foreach (var key in pending.Keys.Where(k => k.Session == sessionId).ToList()) Write(key);
    }

    /// <summary>Writes every pending row (end of a batch: its transaction must hold all of the batch's bytes).</summary>
    public void FlushAll()
    {
        foreach (var key in pending.Keys.ToList()) Write(key);
    }

    /// <summary>Drops pending rows without writing them (their transaction failed).</summary>
    public void Clear()
    {
        foreach (var row in pending.Values) ArrayPool<byte>.Shared.Return(row.Buffer);
        pending.Clear();
    }

    // Removed before writing, so a failed write cannot leave a returned buffer behind in the dictionary.
    private void Write((long, EventSource) key)
    {
        if (!pending.Remove(key, out var row)) return;
        try
        {
            write(new RawRow(row.SessionId, row.Direction, row.Offset, row.Buffer.AsMemory(0, row.Length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(row.Buffer);
        }
    }
}
