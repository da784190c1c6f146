using System.Data.Common;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// A statement with positional parameters, reused for every row of every batch: Microsoft.Data.Sqlite keeps a
/// command's compiled statement after its first run, and the PostgreSQL store's connections prepare statements
/// they run often (Npgsql's automatic preparation), so neither compiles it per row.
/// </summary>
internal sealed class Statement : IDisposable
{
    private readonly DbCommand command;
    private readonly DbParameter[] parameters;
    private readonly Func<object?, object?> bind;

    /// <param name="bind">What the engine makes of a value before it is sent (<see cref="EventStore.Bind"/>).</param>
    /// <param name="names">The statement's parameters (@name) in the order <see cref="Execute"/> takes their values.</param>
    public Statement(DbConnection connection, string sql, Func<object?, object?> bind, params string[] names)
    {
        this.bind = bind;
        command = connection.CreateCommand();
        command.CommandText = sql;
        parameters = names.Select(n =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = n;
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
    }

    /// <summary>Microsoft.Data.Sqlite wants every command told which transaction it runs in.</summary>
    public void Enlist(DbTransaction? transaction) => command.Transaction = transaction;

    public int Execute(params ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < parameters.Length; i++) parameters[i].Value = bind(values[i]) ?? DBNull.Value;
        return command.ExecuteNonQuery();
    }

    public void Dispose() => command.Dispose();
}
