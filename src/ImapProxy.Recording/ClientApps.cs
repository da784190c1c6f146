using System.Text.RegularExpressions;

namespace ImapProxy.Recording;

/// <summary>
/// Which mail client a session comes from, so that "which phones hit this?" is one query. The client's own word
/// first (ID, RFC 2971); without it, the tag style of clients whose tags are distinctive.
/// </summary>
public static partial class ClientApps
{
    /// <summary>"iPhone Mail 19E241 on iOS 15.4.1" from the ID command's fields; null when they name nothing.</summary>
    public static string? FromId(IReadOnlyDictionary<string, string?>? fields)
    {
        if (fields is null) return null;
        string? Field(string name) => fields.FirstOrDefault(f => f.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value?.Trim();
        var name = Field("name") ?? Field("vendor");
        if (string.IsNullOrEmpty(name)) return null;
        var app = Field("version") is { Length: > 0 } version ? $"{name} {version}" : name;
        var os = string.Join(' ', new[] { Field("os"), Field("os-version") }.Where(w => !string.IsNullOrEmpty(w)));
        var text = os.Length > 0 ? $"{app} on {os}" : app;
        // The client chose this text: keep it short and on one line.
        text = string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c));
        return text.Length > 100 ? text[..100] : text;
    }

    /// <summary>The client its first tag betrays, for clients whose tags have a style of their own; null otherwise.</summary>
    public static string? FromTag(string tag) => tag switch
    {
        // MailKit numbers its commands with a letter (A for the process's first client, B for the next...) and eight
        // digits; curl with a letter and three digits; Python's imaplib with four letters from A-P and a number.
        _ when MailKitTag().IsMatch(tag) => "MailKit (by its tags)",
        _ when ImaplibTag().IsMatch(tag) => "Python imaplib (by its tags)",
        _ when CurlTag().IsMatch(tag) => "curl (by its tags)",
        _ => null,
    };

    [GeneratedRegex("^[A-Z][0-9]{8}$")]
    private static partial Regex MailKitTag();

    [GeneratedRegex("^[A-P]{4}[0-9]+$")]
    private static partial Regex ImaplibTag();

    [GeneratedRegex("^[A-Z][0-9]{3}$")]
    private static partial Regex CurlTag();
}
