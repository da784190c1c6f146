using System.Data.Common;
using System.Net.Sockets;
using ImapProxy.Storage.Writing;
using Npgsql;

namespace ImapProxy.Storage.Postgres;

/// <summary>
/// The PostgreSQL event store, for several proxies sharing one database (and one dashboard). The same tables and
/// statements as SQLite (<see cref="PostgresSchema"/> says where they differ); connections come from one pooled
/// <see cref="NpgsqlDataSource"/>; the writer's rows go a batch at a time (<see cref="PostgresBatchRows"/>), its other statements are prepared by Npgsql.
/// </summary>
public sealed class PostgresEventStore : EventStore
{
    // SQLSTATE codes (PostgreSQL appendix A) that say something a user can act on.
    private const string DiskFull = "53100";
    private const string OutOfMemory = "53200";
    private const string TooManyConnections = "53300";
    private const string ReadOnly = "25006";
    private const string InsufficientPrivilege = "42501";
    private const string InvalidPassword = "28P01";
    private const string InvalidAuthorization = "28000";
    private const string UnknownDatabase = "3D000";

    private readonly NpgsqlDataSource dataSource;
    private readonly PostgresLocation location;
    private readonly SessionBlocks blocks;
    private readonly SessionBlockRetention blockRetention;

    /// <exception cref="EventStoreException">The database cannot be reached or used; one line that says why (no password).</exception>
    public PostgresEventStore(StorageOptions options, PostgresLocation location)
        : this(options, location, TimeProvider.System, SessionBlocks.DefaultSize)
    {
    }

    /// <param name="time">The clock that dates blocks of session ids (tests move it to the next day).</param>
    /// <param name="blockSize">Session ids per block (tests take a few, to cross blocks with a few sessions).</param>
    internal PostgresEventStore(StorageOptions options, PostgresLocation location, TimeProvider time, long blockSize)
        : base(options, SqlDialect.PostgreSql)
    {
        this.location = location;
        var builder = new NpgsqlConnectionStringBuilder(location.ConnectionString)
        {
            ApplicationName = "imapproxy",
            // The writer's statements run for every session of every batch: prepared once per connection instead of parsed each time.
            MaxAutoPrepare = 16,
            AutoPrepareMinUsages = 2,
        };
        // A database that does not answer is said at start within seconds, not after the default 15.
        if (!new NpgsqlConnectionStringBuilder(location.ConnectionString).ContainsKey("Timeout")) builder.Timeout = 5;
        dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        blocks = new SessionBlocks(dataSource, time, blockSize);
        blockRetention = new SessionBlockRetention(time);
        try
        {
            using var connection = dataSource.OpenConnection();
            PostgresSchema.Migrate(connection, Location);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            dataSource.Dispose();
            throw new EventStoreException(e is DbException database ? Describe(database) : $"cannot reach the PostgreSQL store {Location}: {e.Message}", e);
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
    }

    public override string Location => location.ToString();

    public override long NextSessionId()
    {
        try
        {
            return blocks.Next();
        }
        catch (NpgsqlException e)
        {
            throw new EventStoreException(Describe(e), e);
        }
    }

    internal override DbConnection OpenConnection() => dataSource.OpenConnection();

    // Text cannot hold U+0000 in PostgreSQL; a tag or a name with one (wire data can have anything) would fail the
    // whole batch. It is stored as U+FFFD, the replacement character; the event's JSON keeps the exact value escaped.
    internal override object? Bind(object? value) => value is string text && text.Contains('\0') ? text.Replace('\0', '\uFFFD') : value;

    internal override BatchRows OpenBatchRows(DbConnection connection, IRowOutcomes outcomes) =>
        new PostgresBatchRows((NpgsqlConnection)connection, this, outcomes);

    internal override bool WritesDerivedColumns => true;

    internal override bool SharedByInstances => true;

    // NOTIFY in the batch's transaction: PostgreSQL delivers it at commit, so a listener never reads ahead of the rows.
    internal override void Committing(DbConnection connection, IReadOnlyCollection<long> sessions)
    {
        foreach (var payload in SharedStoreEvents.Payloads(Options.Instance, sessions))
        {
            using var command = Command(connection, $"SELECT pg_notify('{SharedStoreEvents.Channel}', @payload)", ("@payload", payload));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>A connection of its own for LISTEN (it waits for notifications and must not go back to a pool's other users).</summary>
    internal NpgsqlConnection OpenListenerConnection() => dataSource.OpenConnection();

    /// <summary>Bytes of captured data (raw bytes and events' JSON): unlike the tables' sizes on disk, which shrink
    /// only after VACUUM, it falls as soon as retention deletes a session.</summary>
    internal override long UsedBytes(DbConnection connection)
    {
        using var command = Command(connection,
            "SELECT (SELECT coalesce(sum(octet_length(data)), 0) FROM raw) + (SELECT coalesce(sum(octet_length(json)), 0) FROM events)");
        return Convert.ToInt64(command.ExecuteScalar());
    }

    internal override int DropSessionsEndedBefore(DbConnection connection, string cutoff) =>
        blockRetention.DropEndedBefore((NpgsqlConnection)connection, cutoff);

    internal override int DropOldestSessionsWithin(DbConnection connection, long excess) =>
        blockRetention.DropOldestWithin((NpgsqlConnection)connection, excess);

    internal override bool IsProblemOfTheEvent(DbException error) => false; // any error aborts PostgreSQL's transaction

    internal override string Describe(DbException error) => error switch
    {
        PostgresException { SqlState: DiskFull } => $"the PostgreSQL server's disk is full ({Location}); capture resumes by itself once it has room",
        PostgresException { SqlState: OutOfMemory } => $"the PostgreSQL server is out of memory ({Location})",
        PostgresException { SqlState: TooManyConnections } => $"the PostgreSQL server refuses more connections ({Location}): raise max_connections or run fewer proxies",
        PostgresException { SqlState: ReadOnly } => $"the PostgreSQL store {Location} is read-only (a standby?): use the primary",
        PostgresException { SqlState: InsufficientPrivilege } p => $"the PostgreSQL user may not use the store {Location}: {p.MessageText}",
        PostgresException { SqlState: InvalidPassword or InvalidAuthorization } => $"PostgreSQL refused the login to {Location}: check the user and the password (PGPASSWORD, a password file or the URL)",
        PostgresException { SqlState: UnknownDatabase } => $"the database of {Location} does not exist: create it (createdb) or name another one",
        PostgresException p => $"the PostgreSQL store {Location} failed: {p.MessageText}",
        _ => $"cannot reach the PostgreSQL store {Location}: {Reason(error)}",
    };

    // Npgsql's message wraps the socket's; the innermost one says it best ("Connection refused").
    private static string Reason(Exception error)
    {
        var inner = error;
        while (inner.InnerException is { } next) inner = next;
        return inner.Message;
    }

    public override void Dispose() => dataSource.Dispose();
}
