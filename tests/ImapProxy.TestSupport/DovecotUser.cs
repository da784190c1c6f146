namespace ImapProxy.TestSupport;

/// <summary>A mail account on the test Dovecot (passwd-file, plain-text password).</summary>
public sealed record DovecotUser(string Name, string Password)
{
    public static DovecotUser Alice { get; } = new("alice", "secret-alice");
    public static DovecotUser Bob { get; } = new("bob", "secret-bob");

    // The name ends up in a config file, a passwd-file line and a directory name, so keep it plain.
    internal void Validate()
    {
        if (Name.Length == 0 || !Name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"user name '{Name}' must be lower-case ASCII letters, digits, '-', '_' or '.'");
        }
        if (Password.Length == 0 || Password.Any(c => c is ':' or '\r' or '\n'))
        {
            throw new ArgumentException($"password of '{Name}' must be non-empty and contain no ':' or line breaks");
        }
    }
}
