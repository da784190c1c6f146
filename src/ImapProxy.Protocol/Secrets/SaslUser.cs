using System.Text;

namespace ImapProxy.Protocol.Secrets;

/// <summary>Reads the user name out of SASL client responses so it can stay visible while the rest is redacted.</summary>
internal static class SaslUser
{
    /// <param name="step">0 for the first client response (the SASL-IR initial response or the first line).</param>
    public static string? Extract(string mechanism, ReadOnlySpan<byte> decoded, int step)
    {
        switch (mechanism.ToUpperInvariant())
        {
            case "PLAIN" when step == 0:
                // RFC 4616 §2: [authzid] NUL authcid NUL passwd
                var first = decoded.IndexOf((byte)0);
                if (first < 0) return null;
                var rest = decoded[(first + 1)..];
                var second = rest.IndexOf((byte)0);
                return second < 0 ? null : Encoding.UTF8.GetString(rest[..second]);
            case "LOGIN" when step == 0:
                return Encoding.UTF8.GetString(decoded);
            case "XOAUTH2" when step == 0:
                // "user=" user ^A "auth=Bearer " token ^A ^A (Google's XOAUTH2 protocol)
                var text = Encoding.UTF8.GetString(decoded);
                if (!text.StartsWith("user=", StringComparison.Ordinal)) return null;
                var end = text.IndexOf('\x01');
                return end < 0 ? null : text[5..end];
            case "OAUTHBEARER" when step == 0:
                // RFC 7628 §3.1: gs2-header "n,a=user," with "=2C" and "=3D" escapes (RFC 5801)
                var header = Encoding.UTF8.GetString(decoded);
                var at = header.IndexOf(",a=", StringComparison.Ordinal);
                if (at < 0) return null;
                var stop = header.IndexOf(',', at + 3);
                if (stop < 0) return null;
                return header[(at + 3)..stop].Replace("=2C", ",").Replace("=3D", "=");
            default:
                return null;
        }
    }

    /// <summary>Whether a client response at this step is a secret. LOGIN's first response is the user name.</summary>
    public static bool IsSecret(string mechanism, int step) =>
        !(step == 0 && mechanism.Equals("LOGIN", StringComparison.OrdinalIgnoreCase));

    public static byte[]? DecodeBase64(ReadOnlySpan<byte> base64)
    {
        var buffer = new byte[base64.Length / 4 * 3 + 3];
        return System.Buffers.Text.Base64.DecodeFromUtf8(base64, buffer, out _, out var written)
            == System.Buffers.OperationStatus.Done ? buffer[..written] : null;
    }
}
