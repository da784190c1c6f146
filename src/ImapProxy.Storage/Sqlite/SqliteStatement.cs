using System.Data.Common;
using ImapProxy.Storage.Writing;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ImapProxy.Storage.Sqlite;

/// <summary>
/// A writer's <see cref="Statement"/> as SQLite's own prepared statement, its parameters bound by position. Through
/// Microsoft.Data.Sqlite's command, every run looked each parameter up by name (its name converted to UTF-8
/// each time) and made a data reader: a fifth of the writer's time at ingest. The batch's transaction is the
/// connection's (SQLite has one per connection), so there is nothing to enlist. Errors are thrown as the
/// <see cref="SqliteException"/> a command would throw, so the writer tells a row's problem from the file's as before.
/// </summary>
internal sealed class SqliteStatement : Statement
{
    private readonly sqlite3 db;
    private readonly sqlite3_stmt statement;
    private readonly int[] indexes;

    /// <param name="names">The statement's parameters (@name) in the order <see cref="Execute"/> takes their values.</param>
    public SqliteStatement(SqliteConnection connection, string sql, string[] names)
    {
        db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(db, sql, out statement);
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
        indexes = names.Select(n => raw.sqlite3_bind_parameter_index(statement, n) is > 0 and var i
            ? i : throw new ArgumentException($"{n} is not a parameter of {sql}")).ToArray();
    }

    public override void Enlist(DbTransaction? transaction)
    {
    }

    public override int Execute(params ReadOnlySpan<object?> values)
    {
        try
        {
            for (var i = 0; i < indexes.Length; i++) Check(Bind(indexes[i], values[i]));
            var rc = raw.sqlite3_step(statement);
            if (rc is not (raw.SQLITE_DONE or raw.SQLITE_ROW)) SqliteException.ThrowExceptionForRC(rc, db);
            return raw.sqlite3_changes(db);
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    // The types Microsoft.Data.Sqlite would bind the same values as (bool as 0 or 1, text as UTF-8).
    private int Bind(int index, object? value) => value switch
    {
        null => raw.sqlite3_bind_null(statement, index),
        string text => raw.sqlite3_bind_text(statement, index, text),
        long number => raw.sqlite3_bind_int64(statement, index, number),
        int number => raw.sqlite3_bind_int64(statement, index, number),
        bool flag => raw.sqlite3_bind_int64(statement, index, flag ? 1 : 0),
        byte[] bytes => raw.sqlite3_bind_blob(statement, index, bytes),
        double number => raw.sqlite3_bind_double(statement, index, number),
        _ => throw new ArgumentException($"cannot bind a {value.GetType().Name} to a SQLite statement"),
    };

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
    }

    public override void Dispose() => statement.Dispose();
}
