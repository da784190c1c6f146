namespace ImapProxy.Protocol.Tests;

/// <summary>Cuts a step into chunks of random sizes, as the network would.</summary>
internal static class RandomChunks
{
    /// <param name="below">Chunks are 1 to <paramref name="below"/> - 1 bytes long.</param>
    public static IEnumerable<int> Of(Random random, int length, int below)
    {
        while (length > 0)
        {
            var n = Math.Min(length, random.Next(1, below));
            yield return n;
            length -= n;
        }
    }
}
