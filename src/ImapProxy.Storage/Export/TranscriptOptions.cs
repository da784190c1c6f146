namespace ImapProxy.Storage.Export;

/// <summary>How much of each literal a transcript shows.</summary>
public sealed record TranscriptOptions
{
    /// <summary>Literals up to this many bytes are shown whole, inline.</summary>
    public long InlineLiteralBytes { get; init; } = 4096;

    /// <summary>Of a longer literal, at most this many first lines are shown, then a <c>{n bytes}</c> marker.</summary>
    public int PreviewLines { get; init; } = 8;

    /// <summary>... and at most this many bytes.</summary>
    public int PreviewBytes { get; init; } = 2048;

    public static TranscriptOptions Default { get; } = new();

    /// <summary>Every stored byte, literals whole, whatever their size.</summary>
    public static TranscriptOptions Complete { get; } = new() { InlineLiteralBytes = long.MaxValue };
}
