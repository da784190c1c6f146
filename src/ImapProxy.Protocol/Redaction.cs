namespace ImapProxy.Protocol;

public static class Redaction
{
    /// <summary>What parsed output shows in place of a secret. Raw bytes get '*' over the secret's bytes instead,
    /// so every offset stays valid.</summary>
    public const string Marker = "[redacted]";

    public const byte RawFill = (byte)'*';

    /// <summary>Every byte but the line breaks overwritten by <see cref="RawFill"/>: bytes whose secrets cannot be told apart.</summary>
    public static void Mask(Span<byte> bytes)
    {
        foreach (ref var b in bytes)
            if (b is not ((byte)'\r' or (byte)'\n')) b = RawFill;
    }
}
