using System.Net;

namespace ImapProxy.Tls;

/// <summary>
/// The name a leaf certificate is minted for: a DNS host name (lower case, no trailing dot)
/// or an IP address (canonical text, no IPv6 scope).
/// </summary>
internal readonly record struct ServerName(string Value, IPAddress? Address)
{
    // RFC 1035 §2.3.4: 253 characters in text form, 63 per label.
    private const int MaxNameLength = 253;
    private const int MaxLabelLength = 63;

    public bool IsIpAddress => Address is not null;

    /// <summary>
    /// Parses a client's SNI or an upstream host. The SNI comes from the network, so anything
    /// that is not a plain host name or IP address is refused rather than put into a certificate.
    /// </summary>
    public static ServerName Parse(string hostOrIp)
    {
        ArgumentNullException.ThrowIfNull(hostOrIp);
        var text = hostOrIp.Trim();

        // "[::1]" is how an IPv6 upstream is often written next to a port.
        var unbracketed = text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text;
        if (IPAddress.TryParse(unbracketed, out var address) && LooksLikeIp(unbracketed))
        {
            // Drop any scope id ("fe80::1%eth0"): it has no meaning in a certificate.
            var plain = new IPAddress(address.GetAddressBytes());
            return new ServerName(plain.ToString(), plain);
        }

        // A trailing dot is the fully qualified form of the same name; SNI never carries it (RFC 6066 §3).
        var name = text.TrimEnd('.').ToLowerInvariant();
        if (!IsValidHostName(name))
            throw new ArgumentException($"'{hostOrIp}' is neither a valid host name nor an IP address.", nameof(hostOrIp));
        return new ServerName(name, null);
    }

    // IPAddress.TryParse also accepts shorthand such as "1" or "0x7f.1"; those are host names here.
    private static bool LooksLikeIp(string text) =>
        text.Contains(':') || (text.Count(c => c == '.') == 3 && text.All(c => char.IsAsciiDigit(c) || c == '.'));

    private static bool IsValidHostName(string name)
    {
        if (name.Length is 0 or > MaxNameLength)
            return false;
        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-')
                return false;
            // Underscores are not legal in host names but do occur in real internal DNS; accept them.
            if (!label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
                return false;
        }
        return true;
    }

    public override string ToString() => Value;
}
