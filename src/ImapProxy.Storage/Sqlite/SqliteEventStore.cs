using System.Data.Common;
using ImapProxy.Storage.Writing;
using Microsoft.Data.Sqlite;

namespace ImapProxy.Storage.Sqlite;

/// <summary>
/// The SQLite event store: one file, <c>imapproxy.db</c>, in WAL mode so readers never wait for the writer, and
/// beside it the raw bytes, a file per session and direction in <c>imapproxy.db-raw/</c> (<see cref="Sqlite.RawFiles"/>).
/// Writing is <see cref="EventStoreWriter"/>'s job (one writer, batched transactions); this class opens and
/// migrates the file, hands out session ids and answers reads, each on a connection of its own.
/// </summary>
public sealed class SqliteEventStore : EventStore
{
    public const string FileName = "imapproxy.db";

    // SQLite result codes (sqlite3.h) that say something about the file rather than about a statement.
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCorrupt = 11;
    private const int SqliteReadOnly = 8;
    private const int SqliteCantOpen = 14;
    private const int SqliteConstraint = 19;
    private const int SqliteNotADatabase = 26;

    private readonly string connectionString;
    private readonly RawFiles rawFiles;

    public SqliteEventStore(StorageOptions options) : base(options, SqlDialect.Sqlite)
    {
        FilePath = options.Location is SqliteLocation file ? file.Path : throw new ArgumentException($"not a SQLite store: {options.Location}");
        var directory = Path.GetDirectoryName(FilePath)!;
        // Named after the database, as SQLite names its -wal and -shm: two stores in one folder (--store sqlite:PATH)
        // number their sessions alike and must not share files.
        rawFiles = new RawFiles(FilePath + "-raw");
        try
        {
            OwnerOnly.CreateDirectory(directory);
            // Created here rather than by SQLite, which would make it readable by all (0644 under the usual umask);
            // SQLite gives the -wal and -shm files it creates the database file's mode.
            OwnerOnly.CreateFile(FilePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EventStoreException($"cannot create the store in {directory}: {e.Message}", e);
        }
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
        }.ToString();
        try
        {
            using var connection = Open();
            // SQLite opens a file it may not write read-only without a word; writes would fail much later.
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
                throw new EventStoreException($"{FilePath} is read-only: the proxy needs to write its events there; fix its permissions or use another data directory");
            // WAL is a property of the file: set once here, every later connection gets it.
            Execute(connection, "PRAGMA journal_mode = WAL");
            Schema.Migrate(connection, FilePath);
        }
        catch (SqliteException e)
        {
            ClearPool();
            throw new EventStoreException(Describe(e), e);
        }
        catch
        {
            ClearPool();
            throw;
        }
    }

    internal override Statement Prepare(DbConnection connection, string sql, string[] names) => new SqliteStatement((SqliteConnection)connection, sql, names);

    internal override TextIndex TextIndex => new(this);

    internal override RawFiles RawFiles => rawFiles;

    internal override int IndexText(DbConnection connection) => TextIndex.IndexSome(connection);

    /// <summary>Full path of the database file.</summary>
    public string FilePath { get; }

    public override string Location => FilePath;

    // Schema version 3 keeps the last id in a one-row table: the writer's lock makes taking one atomic across processes.
    public override long NextSessionId()
    {
        try
        {
            using var connection = OpenWriterConnection();
            return Scalar(connection, "UPDATE session_counter SET last = last + 1 RETURNING last");
        }
        catch (SqliteException e)
        {
            throw new EventStoreException(Describe(e), e);
        }
    }

    internal override DbConnection OpenWriterConnection()
    {
        var connection = Open();
        // In WAL mode NORMAL loses no integrity on power loss, only the last commits; it saves an fsync per commit.
        Execute(connection, "PRAGMA synchronous = NORMAL");
        // Checkpoints every 64 MiB of WAL rather than 4: an index page that many batches change is copied into the
        // file once per checkpoint; the WAL file (not the process) may grow that large. The page cache stays SQLite's
        // 2 MiB: 64 MiB gained nothing measurable in ingest and, as the raw bytes of a bulk transfer pass through it,
        // put the proxy's peak RSS at 470-540 MiB instead of 340 (bench/ImapProxy.RelayBench; the goal is 256).
        Execute(connection, "PRAGMA wal_autocheckpoint = 16384");
        return connection;
    }

    internal override DbConnection OpenConnection() => Open();

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // Readers never wait in WAL mode, but the writer may meet a checkpoint or another process (the CLI).
            Execute(connection, "PRAGMA busy_timeout = 5000");
            rawFiles.Register(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public override void Dispose()
    {
        ClearPool();
        rawFiles.CloseAll();
    }

    /// <summary>Bytes in use: pages minus the free list (the file keeps its size and reuses the freed pages), and the raw files.</summary>
    internal override long UsedBytes(DbConnection connection)
    {
        using var command = Command(connection, "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()");
        return (long)command.ExecuteScalar()! + rawFiles.UsedBytes();
    }

    internal override bool IsProblemOfTheEvent(DbException error) => error is SqliteException { SqliteErrorCode: SqliteConstraint };

    internal override string Describe(DbException error) => error is SqliteException e ? Describe(e) : $"cannot use {FilePath}: {error.Message}";

    // Pooled connections keep the file open; release them so the file can be moved or deleted after Dispose.
    private void ClearPool()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private string Describe(SqliteException e) => e.SqliteErrorCode switch
    {
        SqliteFull => $"the disk is full ({Path.GetDirectoryName(FilePath)}): free some space; capture resumes by itself",
        SqliteIoError => $"the disk failed to write {FilePath} ({e.Message})",
        SqliteNotADatabase => $"{FilePath} is not a SQLite database ({e.Message}); move it away or use another data directory",
        SqliteCorrupt => $"{FilePath} is corrupt ({e.Message}); move it away or use another data directory",
        SqliteReadOnly => $"{FilePath} is read-only ({e.Message}); fix its permissions or use another data directory",
        SqliteCantOpen => $"cannot open {FilePath} ({e.Message}); check the data directory and its permissions",
        _ => $"cannot use {FilePath}: {e.Message}",
    };

    private static void Execute(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
