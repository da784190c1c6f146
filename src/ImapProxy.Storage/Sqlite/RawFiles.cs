using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;

namespace ImapProxy.Storage.Sqlite;

/// <summary>
/// The SQLite store's raw bytes: one append-only file per session and direction (<c>imapproxy.db-raw/42.server</c>
/// beside the database). The raw table keeps a row per stored run, as before, with where its bytes are in the file (position
/// and length) instead of the bytes; SQL reads them back through <see cref="SqlDialect.RawBytesFunction"/>. Retention
/// counts the files' sizes, which also hold the few bytes of failed batches and refused duplicates. Appending to a file costs the writer about a
/// twentieth of the CPU of the same bytes through SQLite's WAL and checkpoint (bench/ImapProxy.RelayBench/README.md), which is what let a
/// loopback bulk transfer outrun the store. Files are their owner's only, like the database.
/// </summary>
internal sealed class RawFiles(string directory)
{
    // ENOSPC (errno.h); .NET gives an IOException from a failed write the errno as its HResult on Unix.
    private const int NoSpace = 28;

    public string Directory { get; } = directory;

    public string PathOf(long sessionId, string direction) => Path.Combine(Directory, $"{sessionId}.{direction}");

    // What the files hold: listed from the folder once, then kept by this process's appends and deletes. Retention
    // measures the store between every session it prunes, and listing 100,000 files each time would make pruning a
    // large store quadratic. Another process's appends (an import while the proxy runs) count from the next start.
    private long used = -1;

    // The files being appended to stay open between runs: opening, locking and closing a file for every 64 KiB row cost
    // about 4 % of a bulk transfer's relay CPU (relay-bench README). At most MaxOpen stay open, the least recently appended to closing first;
    // a session's close before retention deletes them (or the space would stay taken), all when the store is disposed.
    private const int MaxOpen = 64;
    private readonly object gate = new();
    private readonly Dictionary<string, OpenFile> open = new(StringComparer.Ordinal);
    private long appends;

    private readonly DirectWrites direct = new();

    private sealed class OpenFile(FileStream stream)
    {
        public FileStream Stream { get; } = stream;
        // Taken once: FileStream's getter seeks the file to the stream's own position on every call (an lseek each).
        public SafeFileHandle Handle { get; } = stream.SafeFileHandle;
        public long LastAppend { get; set; }

        /// <summary>Its handle past the page cache, opened at its first large run (null: not yet, or not possible here).</summary>
        public SafeFileHandle? DirectHandle { get; set; }

        public void Dispose()
        {
            DirectHandle?.Dispose();
            Stream.Dispose();
        }
    }

    /// <summary>
    /// Appends a run of bytes to its file (the writer's thread only) and says where they go; a large run may wait in
    /// memory until <see cref="Flush"/>, which the batch calls before its rows are committed. Bytes appended by a
    /// batch that then failed stay unreferenced at the end of the file; later runs go after them. A file removed by
    /// hand while its session is still written takes the rest of that session's bytes with it.
    /// </summary>
    /// <exception cref="IOException">The disk refused them; its message says what to do.</exception>
    public long Append(long sessionId, string direction, ReadOnlySpan<byte> data)
    {
        var path = PathOf(sessionId, direction);
        lock (gate)
        {
            try
            {
                var file = Opened(path);
                // Where the file ends now, not where this process last left it (one cut by hand is appended to at its
                // end), unless its last runs still wait in memory.
                var gathered = direct.Gathers(file.Handle, out var position);
                if (!gathered) position = RandomAccess.GetLength(file.Handle);
                if ((gathered || data.Length >= DirectWrites.LargeRun) && (file.DirectHandle ??= direct.OpenDirect(path)) is { } past)
                    direct.Append(file.Handle, past, position, data);
                else
                    RandomAccess.Write(file.Handle, data, position);
                Count(data.Length);
                return position;
            }
            catch (Exception e)
            {
                // Opened afresh next time: whatever went wrong is not carried on in a handle.
                Close(path, write: false);
                Discard();
                if (DiskFull(e) is { } full) throw full;
                throw;
            }
        }
    }

    /// <summary>Writes the runs still waiting in memory; every byte appended so far is in its file after it.</summary>
    /// <exception cref="IOException">The disk refused them; its message says what to do.</exception>
    public void Flush()
    {
        lock (gate)
        {
            try
            {
                direct.Flush();
            }
            catch (Exception e)
            {
                Discard();
                if (DiskFull(e) is { } full) throw full;
                throw;
            }
        }
    }

    /// <summary>
    /// After a failed write or batch: the bytes waiting in memory go (nothing will point at them), and what the files
    /// hold is listed afresh when next asked, as some of what was counted never reached them.
    /// </summary>
    public void Discard()
    {
        lock (gate)
        {
            direct.Drop();
            Interlocked.Exchange(ref used, -1);
        }
    }

    /// <summary>What to tell the user when <paramref name="e"/> is the disk being full; null for any other failure.</summary>
    private IOException? DiskFull(Exception e) =>
        e is IOException { HResult: NoSpace } ? new IOException($"the disk is full ({Directory}): free some space; capture resumes by itself", e) : null;

    private OpenFile Opened(string path)
    {
        if (!open.TryGetValue(path, out var file))
        {
            if (open.Count >= MaxOpen) Close(open.MinBy(f => f.Value.LastAppend).Key, write: true);
            file = new OpenFile(OpenForWriting(path));
            open.Add(path, file);
        }
        file.LastAppend = ++appends;
        return file;
    }

    /// <param name="write">Whether its bytes still waiting in memory are written first (not after a failed write).</param>
    private void Close(string path, bool write)
    {
        if (!open.Remove(path, out var file)) return;
        try
        {
            if (write) direct.Flush(file.Handle);
            // Counted when they were appended, never written: what the files hold is listed afresh.
            else if (direct.Forget(file.Handle)) Interlocked.Exchange(ref used, -1);
        }
        finally
        {
            file.Dispose();
        }
    }

    /// <summary>Writes what waits in memory and closes the files held open (the store is being disposed).</summary>
    public void CloseAll()
    {
        lock (gate)
        {
            try
            {
                direct.Flush();
            }
            finally
            {
                direct.Drop();
                foreach (var file in open.Values) file.Dispose();
                open.Clear();
            }
        }
    }

    // The folder is made when the first file needs it (or again, if it was removed), not tried before every file.
    private FileStream OpenForWriting(string path)
    {
        try
        {
            return OwnerOnly.OpenForWriting(path);
        }
        catch (DirectoryNotFoundException)
        {
            OwnerOnly.CreateDirectory(Directory);
            return OwnerOnly.OpenForWriting(path);
        }
    }

    /// <summary>
    /// The stored bytes of a row: <paramref name="length"/> of them from <paramref name="position"/>, fewer when the
    /// file ends sooner (removed or cut by hand: what is missing reads as a gap, never as invented bytes).
    /// </summary>
    public byte[] Read(long sessionId, string direction, long position, long length)
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(PathOf(sessionId, direction), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        using (file)
        {
            var buffer = new byte[Math.Clamp(length, 0, Array.MaxLength)];
            var read = 0;
            while (read < buffer.Length && RandomAccess.Read(file, buffer.AsSpan(read), position + read) is var n and > 0) read += n;
            return read == buffer.Length ? buffer : buffer[..read];
        }
    }

    /// <summary>
    /// Gives a connection <see cref="SqlDialect.RawBytesFunction"/>: a row's bytes from its file, or from the row
    /// itself when it was written before the files (schema version 8).
    /// </summary>
    public void Register(SqliteConnection connection) =>
        connection.CreateFunction(SqlDialect.RawBytesFunction, (long session, string direction, long? position, long? length, byte[]? data) =>
            position is { } at && length is { } count ? Read(session, direction, at, count) : data ?? []);

    /// <summary>Removes the files of sessions the store deleted; one that cannot go (permissions, a disk error) stays,
    /// taking space but never reading as another session's. Returns how many could not.</summary>
    public int Delete(IEnumerable<long> sessionIds)
    {
        var failed = 0;
        foreach (var id in sessionIds)
        foreach (var direction in Directions)
        {
            try
            {
                var path = PathOf(id, direction);
                lock (gate) Close(path, write: false);
                var file = new FileInfo(path);
                if (!file.Exists) continue;
                var length = file.Length;
                file.Delete();
                Count(-length);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed++;
            }
        }
        return failed;
    }

    private static readonly string[] Directions = ["client", "server"];

    /// <summary>What the files hold, in bytes.</summary>
    public long UsedBytes()
    {
        if (Interlocked.Read(ref used) < 0) Interlocked.CompareExchange(ref used, ListedBytes(), -1);
        return Interlocked.Read(ref used);
    }

    private void Count(long bytes)
    {
        if (Interlocked.Read(ref used) >= 0) Interlocked.Add(ref used, bytes);
    }

    /// <summary>The files' lengths, from the folder (a file removed while they are listed counts as gone).</summary>
    private long ListedBytes()
    {
        long total = 0;
        try
        {
            foreach (var file in new DirectoryInfo(Directory).EnumerateFiles())
            {
                try
                {
                    total += file.Length;
                }
                catch (FileNotFoundException)
                {
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        return total;
    }
}
