namespace ImapProxy.Cli;

/// <summary>Recorded bytes the offline verbs (parse, lint) read: a file, or one line saying why it cannot be read.</summary>
internal static class RecordedFile
{
    public static bool TryRead(string verb, string path, TextWriter error, out byte[] bytes)
    {
        try
        {
            bytes = File.ReadAllBytes(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error.WriteLine($"imapproxy {verb}: cannot read {path}: {e.Message}");
            bytes = [];
            return false;
        }
    }
}
