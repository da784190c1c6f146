using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Recording.Events;
using ImapProxy.Storage;

namespace ImapProxy.Dashboard.Live;

/// <summary>Reads the stored bytes behind an event, for the protocol lines and the raw and message views.</summary>
public sealed class SessionRaw(EventStore store)
{
    /// <summary>Bytes of one direction from <paramref name="offset"/>, at most <paramref name="max"/>; cut parts of literals are absent.</summary>
    public byte[] Read(long sessionId, Direction direction, long offset, long length, int max = 64 * 1024)
    {
        var end = offset + Math.Min(length, max);
        var bytes = new List<byte>();
        foreach (var segment in store.GetRawSegments(sessionId, direction, offset, end)) bytes.AddRange(segment.Data);
        return bytes.ToArray();
    }

    /// <summary>The bytes of a frame event, or empty for other events.</summary>
    public byte[] FrameBytes(long sessionId, EventRow e, int max = 64 * 1024) =>
        e.Type == "frame" && e.ReadEvent() is FrameParsed { Frame: { Length: > 0 } frame }
            ? Read(sessionId, frame.Direction, frame.Offset, frame.Length, max)
            : [];

    /// <summary>The protocol line of a frame: its first line, literal bodies left out, for one-line display.</summary>
    public string FirstLine(long sessionId, EventRow e)
    {
        var bytes = FrameBytes(sessionId, e, 4096);
        var lf = Array.IndexOf(bytes, (byte)'\n');
        var line = lf >= 0 ? bytes.AsSpan(0, lf) : bytes;
        if (line.EndsWith("\r"u8)) line = line[..^1];
        return Encoding.UTF8.GetString(line);
    }

    public static bool IsText(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b < 0x20 && b is not ((byte)'\r' or (byte)'\n' or (byte)'\t')) return false;
        }
        return true;
    }

    /// <summary>A classic hex dump: offset, 16 bytes in hex, the same as text.</summary>
    public static string HexDump(ReadOnlySpan<byte> bytes, long baseOffset)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < bytes.Length; i += 16)
        {
            var row = bytes[i..Math.Min(i + 16, bytes.Length)];
            sb.Append((baseOffset + i).ToString("x8")).Append("  ");
            for (var k = 0; k < 16; k++) sb.Append(k < row.Length ? row[k].ToString("x2") + " " : "   ");
            sb.Append(' ');
            foreach (var b in row) sb.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
