using System.Diagnostics;
using System.Runtime.Versioning;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Sqlite;
using ImapProxy.Storage.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ImapProxy.Storage.Tests.Sqlite;

public class SqliteEventStoreTests
{
    [Fact]
    public void Open_CreatesTheDirectoryAndAWalDatabaseAtTheCurrentVersion()
    {
        using var temp = new TempDirectory();
        using var store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Combine("a", "b") });

        Assert.Equal(temp.Combine("a", "b", "imapproxy.db"), store.FilePath);
        Assert.True(File.Exists(store.FilePath));
        using var connection = (SqliteConnection)store.OpenConnection();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal(1L, Scalar(connection, "PRAGMA foreign_keys"));
        Assert.Equal((long)Schema.Version, Scalar(connection, "SELECT max(version) FROM schema_version"));
        Assert.Equal(1L, store.NextSessionId());
    }

    [Fact]
    [UnsupportedOSPlatform("windows")] // Unix file modes
    public void Open_InADirectoryOthersCanRead_CreatesTheDatabaseAndItsWalOwnerOnly()
    {
        using var temp = new TempDirectory();
        File.SetUnixFileMode(temp.Path, (UnixFileMode)0b111_101_101);
        using var store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });
        using var connection = (SqliteConnection)store.OpenWriterConnection();
        Assert.Equal(1L, store.NextSessionId());

        foreach (var file in new[] { store.FilePath, store.FilePath + "-wal", store.FilePath + "-shm" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task Reopen_KeepsTheDataAndContinuesSessionIds()
    {
        using var temp = new TempDirectory();
        await using (var h = new StoreHarness(directory: temp))
        {
            await h.StartAsync();
            Assert.Equal(1, h.Store.NextSessionId());
            Assert.Equal(2, h.Store.NextSessionId());
            var id = h.Store.NextSessionId();
            foreach (var e in Synthetic.Session(id, 3)) h.Bus.Publish(e);
            await h.IdleAsync();
        }

        using var reopened = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Combine("data") });
        Assert.Equal(4, reopened.NextSessionId());
        Assert.Equal(3, reopened.GetSession(3)!.Events);
        Assert.Equal(3, reopened.GetEvents(3, 0, 10).Count);
    }

    [Fact]
    public void NextSessionId_IsUniqueAcrossThreads()
    {
        using var temp = new TempDirectory();
        using var store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });
        var ids = new long[1_000];
        Parallel.For(0, ids.Length, i => ids[i] = store.NextSessionId());
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.Equal(ids.Length, ids.Max());
    }

    [Fact]
    public void NextSessionId_IsUniqueAcrossStoresOfOneFile()
    {
        // Two stores on one file stand for two processes: a running proxy and an import or replay from the CLI.
        using var temp = new TempDirectory();
        using var proxy = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });
        using var cli = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });
        var ids = new long[400];
        Parallel.For(0, ids.Length, i => ids[i] = (i % 2 == 0 ? proxy : cli).NextSessionId());
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public void FileThatIsNotSqlite_GivesAnErrorNamingTheFile()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine(SqliteEventStore.FileName);
        File.WriteAllText(path, new string('x', 4096));

        var error = Assert.Throws<EventStoreException>(() => new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path }));

        Assert.Contains(path, error.Message);
        Assert.Contains("is not a SQLite database", error.Message);
        Assert.IsType<SqliteException>(error.InnerException);
    }

    [Fact]
    public void SqliteDatabaseOfSomethingElse_IsNotTouched()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine(SqliteEventStore.FileName);
        Execute(path, "CREATE TABLE contacts (name TEXT)");

        var error = Assert.Throws<EventStoreException>(() => new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path }));

        Assert.Contains(path, error.Message);
        Assert.Contains("not an ImapProxy event store", error.Message);
    }

    [Fact]
    public void DatabaseOfANewerVersion_IsRefused()
    {
        using var temp = new TempDirectory();
        using (new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path })) { }
        var path = temp.Combine(SqliteEventStore.FileName);
        Execute(path, "UPDATE schema_version SET version = 99");

        var error = Assert.Throws<EventStoreException>(() => new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path }));

        Assert.Contains(path, error.Message);
        Assert.Contains("schema version 99", error.Message);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")] // Unix file modes
    public void ReadOnlyFile_GivesAnErrorNamingTheFile()
    {
        using var temp = new TempDirectory();
        using (new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path })) { }
        var path = temp.Combine(SqliteEventStore.FileName);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        // Root writes through file modes; the immutable attribute stops root too.
        var immutable = Environment.UserName == "root" && Chattr("+i", path);
        try
        {
            Assert.True(Environment.UserName != "root" || immutable,
                "as root, only the immutable attribute makes a file read-only: install e2fsprogs (chattr) and use a filesystem that supports it");

            var error = Assert.Throws<EventStoreException>(() => new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path }));

            Assert.Contains(path, error.Message);
            Assert.Contains("read-only", error.Message);
        }
        finally
        {
            if (immutable) Chattr("-i", path);
        }
    }

    [Fact]
    public void DataDirectoryThatIsAFile_GivesAnErrorNamingIt()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("data");
        File.WriteAllText(path, "");

        var error = Assert.Throws<EventStoreException>(() => new SqliteEventStore(new StorageOptions { DataDirectory = path }));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public async Task GetSessions_ListsNewestFirstByPages()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        for (var i = 0; i < 5; i++) h.Bus.Publish(Synthetic.Opened(h.Store.NextSessionId()));
        await h.IdleAsync();

        var first = h.Store.GetSessions(limit: 2);
        Assert.Equal([5L, 4], first.Select(s => s.Id));
        var second = h.Store.GetSessions(limit: 2, beforeId: first[^1].Id);
        Assert.Equal([3L, 2], second.Select(s => s.Id));
        Assert.Equal([1L], h.Store.GetSessions(limit: 2, beforeId: 2).Select(s => s.Id));
        Assert.Null(h.Store.GetSession(6));
    }

    [Fact]
    public async Task Readers_SeeCommittedBatchesWhileTheWriterHoldsItsConnection()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        await h.IdleAsync();

        // A reader in the middle of a read transaction does not stop the writer (WAL), and keeps its snapshot.
        using var reader = (SqliteConnection)h.Store.OpenConnection();
        using var transaction = reader.BeginTransaction(deferred: true); // the default, IMMEDIATE, would take the write lock
        Assert.Equal(1L, Scalar(reader, "SELECT count(*) FROM events", transaction));
        h.Bus.Publish(Synthetic.Action(id, 2));
        await h.IdleAsync();
        Assert.Equal(1L, Scalar(reader, "SELECT count(*) FROM events", transaction));
        Assert.Equal(2, h.Store.GetEvents(id, 0, 10).Count);
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static bool Chattr(string flag, string path)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
