using System.Security.Cryptography;
using System.Text;

namespace ImapProxy.Capture.Tls.Hello;

/// <summary>
/// The JA4 fingerprint of a ClientHello, as FoxIO's public specification defines it (technical_details/JA4.md):
/// <c>t13d1516h2_8daaf6152771_e5627efa2ab1</c> is transport, version, SNI or not, counts of cipher suites and
/// extensions, the first ALPN's first and last characters; then hashes of the sorted cipher suites, and of the sorted
/// extensions followed by the signature algorithms in the client's order. GREASE values are ignored everywhere.
/// </summary>
internal static class Ja4
{
    private const string NoValues = "000000000000";

    public static string Of(ClientHello hello)
    {
        var ciphers = hello.CipherSuites.Where(c => !ClientHello.IsGrease(c)).ToList();
        var extensions = hello.Extensions.Where(e => !ClientHello.IsGrease(e)).ToList();
        var a = "t" + Version(hello) + (extensions.Contains(ClientHello.ServerNameExtension) ? "d" : "i") +
                Count(ciphers.Count) + Count(extensions.Count) + Alpn(hello.Alpn);
        var b = ciphers.Count == 0 ? NoValues : Hash(HexList(ciphers.Order()));
        // SNI and ALPN are already in the first part: leaving them out keeps the third part the same for one app
        // whether it dials a name or an address, or asks for another protocol.
        var hashed = extensions.Where(e => e is not ClientHello.ServerNameExtension and not ClientHello.AlpnExtension).Order().ToList();
        var signatures = hello.SignatureAlgorithms.Where(s => !ClientHello.IsGrease(s)).ToList();
        var c = hashed.Count == 0 ? NoValues : Hash(HexList(hashed) + (signatures.Count == 0 ? "" : "_" + HexList(signatures)));
        return $"{a}_{b}_{c}";
    }

    /// <summary>The highest supported_versions value, else the legacy version; the record layer's version is not looked at.</summary>
    private static string Version(ClientHello hello) => hello.OfferedVersions.DefaultIfEmpty().Max() switch
    {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    };

    private static string Count(int count) => Math.Min(count, 99).ToString("00");

    /// <summary>First and last characters of the first ALPN value; of its hex form when either byte is not alphanumeric.</summary>
    private static string Alpn(IReadOnlyList<byte[]> alpn)
    {
        if (alpn.Count == 0 || alpn[0].Length == 0) return "00";
        var name = alpn[0];
        if (char.IsAsciiLetterOrDigit((char)name[0]) && char.IsAsciiLetterOrDigit((char)name[^1]))
            return $"{(char)name[0]}{(char)name[^1]}";
        var hex = Convert.ToHexStringLower(name);
        return $"{hex[0]}{hex[^1]}";
    }

    private static string HexList(IEnumerable<ushort> values) => string.Join(',', values.Select(v => v.ToString("x4")));

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(text)))[..12];
}
