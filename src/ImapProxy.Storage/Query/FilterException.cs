namespace ImapProxy.Storage.Query;

/// <summary>A filter expression that cannot be used, with the part of it that is wrong (0-based characters).</summary>
public sealed class FilterException(int position, int length, string message) : Exception(message)
{
    public int Position { get; } = position;
    public int Length { get; } = length;
}
