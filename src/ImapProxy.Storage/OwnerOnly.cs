namespace ImapProxy.Storage;

/// <summary>
/// Captured mail is private, also in a data directory that others can read (a shared tmpfs, a directory made before the
/// proxy first ran): what the proxy creates there is its owner's only from the first byte. A chmod after creating would
/// leave a moment in which another user could open the file and go on reading it. What exists keeps the mode it has.
/// </summary>
public static class OwnerOnly
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode ReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, DirectoryMode);
    }

    /// <summary>A file opened for writing (and reading back what was written), unbuffered; created owner-only when it does not exist yet.</summary>
    public static FileStream OpenForWriting(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite | FileShare.Delete, BufferSize = 0 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = ReadWrite;
        return new FileStream(path, options);
    }

    /// <summary>An empty file, unless the file exists.</summary>
    public static void CreateFile(string path)
    {
        // Windows files inherit their directory's access list; there is nothing to set.
        if (OperatingSystem.IsWindows() || File.Exists(path)) return;
        try
        {
            using var _ = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = ReadWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process (the CLI, a second proxy) created it in the meantime, the same way.
        }
    }
}
