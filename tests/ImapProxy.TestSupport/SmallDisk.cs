namespace ImapProxy.TestSupport;

/// <summary>
/// A tmpfs of a few MiB mounted on a fresh directory: a real file system that runs out of space on cue (ENOSPC from
/// the kernel, not a mock). Mounting needs root; CI runs as root, and without it the test fails saying so.
/// </summary>
public sealed class SmallDisk : IAsyncDisposable
{
    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    /// <param name="at">Where to mount it (made if missing, and removed afterwards); a fresh temporary directory if null.</param>
    public static async Task<SmallDisk> MountAsync(int megabytes, CancellationToken ct, string? at = null)
    {
        if (!Libc.IsRoot) throw new InvalidOperationException("this test mounts a small tmpfs and needs root (CI runs as root): run it with sudo");
        var path = at is null ? Directory.CreateTempSubdirectory("imapproxy-smalldisk-").FullName : Directory.CreateDirectory(at).FullName;
        await Run("mount", ["-t", "tmpfs", "-o", $"size={megabytes}m,mode=700", "tmpfs", path], ct);
        return new SmallDisk(path);
    }

    /// <summary>Takes the space that is left with a file of its own, until the disk refuses another 4 KiB; returns its path.</summary>
    public string Fill()
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        using var file = new FileStream(filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        foreach (var size in new[] { 1 << 20, 4096 })
        {
            var block = new byte[size];
            try
            {
                while (true) file.Write(block);
            }
            catch (IOException)
            {
                // Full at this size; the smaller one takes what is left.
            }
        }
        return filler;
    }

    public async ValueTask DisposeAsync()
    {
        await Run("umount", ["-l", Path], CancellationToken.None);
        Directory.Delete(Path, recursive: true);
    }

    private static async Task Run(string file, string[] args, CancellationToken ct)
    {
        var (code, output) = await ProcessRunner.RunAsync(file, args, TimeSpan.FromSeconds(30), ct);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {output}");
    }
}
