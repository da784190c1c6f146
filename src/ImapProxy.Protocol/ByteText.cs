using System.Text;

namespace ImapProxy.Protocol;

/// <summary>Shows bytes as readable text: printable ASCII as is, CR/LF as \r \n, anything else as \xNN.</summary>
public static class ByteText
{
    public static string Escape(ReadOnlySpan<byte> bytes, int max = 120)
    {
        var sb = new StringBuilder();
        foreach (var b in bytes[..Math.Min(bytes.Length, max)])
        {
            sb.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => $"\\x{b:X2}",
            });
        }
        if (bytes.Length > max) sb.Append('…');
        return sb.ToString();
    }
}
