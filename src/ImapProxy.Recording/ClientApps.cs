using System.Text.RegularExpressions;

namespace ImapProxy.Recording;

/// <summary>
/// Which mail client a session comes from, so that "which phones hit this?" is one query. The client's own word
/// first (ID, RFC 2971); without it, the habits (tag style, spelling) of clients whose habits are their own.
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

    /// <summary>
    /// The client a command's habits betray (its tag's style, how it spells the command), for clients whose habits
    /// are their own; null otherwise. Read from the clients' public sources; a style two clients share names both.
    /// </summary>
    public static string? FromHabits(string tag, string? nameAsSent) => tag switch
    {
        // MailKit numbers its commands with a letter (A for the process's first client, B for the next...) and eight
        // digits; curl with a letter and three digits; Python's imaplib with four letters from A-P and a number.
        _ when MailKitTag().IsMatch(tag) => "MailKit (by its tags)",
        _ when ImaplibTag().IsMatch(tag) => "Python imaplib (by its tags)",
        _ when CurlTag().IsMatch(tag) => "curl (by its tags)",
        // Evolution: a letter per connection and a five-digit number that runs on across connections ("%c%05u").
        _ when EvolutionTag().IsMatch(tag) => "Evolution (by its tags)",
        // fetchmail and Roundcube both write "A%04d", starting at A0001.
        _ when FetchmailOrRoundcubeTag().IsMatch(tag) => "fetchmail or Roundcube (by its tags)",
        // mutt writes "a%04u"; NeoMutt a letter per account from 'a', then "%04u".
        _ when MuttTag().IsMatch(tag) => "mutt or NeoMutt (by its tags)",
        // JavaMail / Jakarta Mail (FairEmail and other Java apps): a letter prefix per connection and a counter that
        // starts at 0, so a connection's first command is A0, B0... (later ones A1, A2: too common to name).
        _ when JavaMailFirstTag().IsMatch(tag) => "JavaMail (by its tags)",
        // UW c-client (Alpine): eight lower-case hex digits.
        _ when CClientTag().IsMatch(tag) => "Alpine or another UW c-client program (by its tags)",
        // Thunderbird numbers its commands (as K-9 Mail, mbsync and others do), but spells them in lower case
        // ("capability", "select", "logout") and writes "UID fetch": no other numbering client does.
        _ when DecimalTag().IsMatch(tag) && nameAsSent is { } spelled && (spelled == "UID fetch" || LowerCaseWord().IsMatch(spelled))
            => "Thunderbird (by its habits)",
        _ => null,
    };

    [GeneratedRegex("^[A-Z][0-9]{8}$")]
    private static partial Regex MailKitTag();

    [GeneratedRegex("^[A-P]{4}[0-9]+$")]
    private static partial Regex ImaplibTag();

    [GeneratedRegex("^[A-Z][0-9]{3}$")]
    private static partial Regex CurlTag();

    [GeneratedRegex("^[A-Z][0-9]{5}$")]
    private static partial Regex EvolutionTag();

    [GeneratedRegex("^A[0-9]{4}$")]
    private static partial Regex FetchmailOrRoundcubeTag();

    [GeneratedRegex("^[a-z][0-9]{4}$")]
    private static partial Regex MuttTag();

    [GeneratedRegex("^[A-Z]{1,3}0$")]
    private static partial Regex JavaMailFirstTag();

    [GeneratedRegex("^[0-9a-f]{8}$")]
    private static partial Regex CClientTag();

    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex DecimalTag();

    [GeneratedRegex("^[a-z]+$")]
    private static partial Regex LowerCaseWord();
}
