using Microsoft.Data.Sqlite;

namespace ImapProxy.Storage.Sqlite;

/// <summary>A prepared statement with positional parameters, compiled once and reused for every row of every batch.</summary>
internal sealed class Statement : IDisposable
{
    private readonly SqliteCommand command;
    private readonly SqliteParameter[] parameters;

    /// <param name="names">The statement's parameters ($name) in the order <see cref="Execute"/> takes their values.</param>
    public Statement(SqliteConnection connection, string sql, params string[] names)
    {
        command = connection.CreateCommand();
        command.CommandText = sql;
        parameters = names.Select(n => command.Parameters.Add(new SqliteParameter(n, null))).ToArray();
        command.Prepare();
    }

    /// <summary>Microsoft.Data.Sqlite wants every command told which transaction it runs in.</summary>
    public void Enlist(SqliteTransaction? transaction) => command.Transaction = transaction;

    public int Execute(params ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < parameters.Length; i++) parameters[i].Value = values[i] ?? DBNull.Value;
        return command.ExecuteNonQuery();
    }

    public void Dispose() => command.Dispose();
}
