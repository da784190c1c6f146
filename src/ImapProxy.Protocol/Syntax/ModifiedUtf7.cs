using System.Text;

namespace ImapProxy.Protocol.Syntax;

/// <summary>IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3): '&amp;' starts modified BASE64 of UTF-16,
/// ',' replaces '/', '-' ends it, "&amp;-" is '&amp;'.</summary>
public static class ModifiedUtf7
{
    public static bool TryDecode(string name, out string decoded)
    {
        decoded = name;
        if (!name.Contains('&')) return true;
        var sb = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '&')
            {
                sb.Append(name[i]);
                continue;
            }
            var end = name.IndexOf('-', i + 1);
            if (end < 0) return false;
            if (end == i + 1)
            {
                sb.Append('&');
                i = end;
                continue;
            }
            var b64 = name[(i + 1)..end].Replace(',', '/');
            var padded = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var buffer = new byte[padded.Length];
            if (!Convert.TryFromBase64String(padded, buffer, out var written) || written % 2 != 0) return false;
            sb.Append(Encoding.BigEndianUnicode.GetString(buffer, 0, written));
            i = end;
        }
        decoded = sb.ToString();
        return true;
    }
}
