using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ImapProxy.Protocol;

namespace ImapProxy.Storage.Tests.Export;

/// <summary>
/// Reads a transcript back into each direction's bytes, by the transcript's own rules: a C:/S: line is its bytes
/// (escapes \\ \r \n \xNN undone, any other backslash a plain one) plus CRLF unless it ends in a lone backslash; a # line ending in "(client offset N, M bytes)"
/// stands for the stored bytes it did not show, which must be exactly the next ones of that direction.
/// </summary>
internal static partial class TranscriptReader
{
    public static (byte[] Client, byte[] Server, int Markers) Read(string transcript, EventStore store, long sessionId)
    {
        var streams = new[] { new MemoryStream(), new MemoryStream() };
        var positions = new long[2];
        var markers = 0;
        foreach (var line in transcript.Split('\n'))
        {
            if (line.StartsWith("C: ", StringComparison.Ordinal) || line.StartsWith("S: ", StringComparison.Ordinal))
            {
                var bytes = Decode(line[3..]);
                var d = line[0] == 'C' ? 0 : 1;
                streams[d].Write(bytes);
                positions[d] += bytes.Length;
                continue;
            }
            if (Marker().Match(line) is not { Success: true } marker) continue;
            markers++;
            var direction = marker.Groups[1].Value == "client" ? Direction.Client : Direction.Server;
            var offset = long.Parse(marker.Groups[2].Value, CultureInfo.InvariantCulture);
            var length = long.Parse(marker.Groups[3].Value, CultureInfo.InvariantCulture);
            Assert.Equal(positions[(int)direction], offset);
            foreach (var segment in store.GetRawSegments(sessionId, direction, offset, offset + length)) streams[(int)direction].Write(segment.Data);
            positions[(int)direction] += length;
        }
        return (streams[0].ToArray(), streams[1].ToArray(), markers);
    }

    public static byte[] Decode(string text)
    {
        var bytes = new List<byte>();
        var crlf = true;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                var length = char.IsSurrogatePair(text, i) ? 2 : 1;
                bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(i, length)));
                i += length - 1;
                continue;
            }
            if (i == text.Length - 1)
            {
                crlf = false;
                break;
            }
            var next = text[++i];
            switch (next)
            {
                case '\\': bytes.Add((byte)'\\'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 'x':
                    bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                default:
                    // Any other byte after a backslash: the backslash was a plain one.
                    bytes.Add((byte)'\\');
                    i--;
                    break;
            }
        }
        if (crlf) bytes.AddRange("\r\n"u8.ToArray());
        return bytes.ToArray();
    }

    [GeneratedRegex(@"^# .*\((client|server) offset (\d+), (\d+) bytes\)$")]
    private static partial Regex Marker();
}
