namespace ImapProxy.Protocol;

public static class Redaction
{
    /// <summary>What parsed output shows in place of a secret. Raw bytes get '*' over the secret's bytes instead,
    /// so every offset stays valid.</summary>
    public const string Marker = "[redacted]";

    public const byte RawFill = (byte)'*';
}
