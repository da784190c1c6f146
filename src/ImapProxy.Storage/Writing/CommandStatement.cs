using System.Data.Common;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// A <see cref="Statement"/> on an ADO.NET command: the PostgreSQL store's connections prepare statements they run
/// often (Npgsql's automatic preparation), so none is compiled per row.
/// </summary>
internal sealed class CommandStatement : Statement
{
    private readonly DbCommand command;
    private readonly DbParameter[] parameters;
    private readonly Func<object?, object?> bind;

    /// <param name="bind">What the engine makes of a value before it is sent (<see cref="EventStore.Bind"/>).</param>
    /// <param name="names">The statement's parameters (@name) in the order <see cref="Execute"/> takes their values.</param>
    public CommandStatement(DbConnection connection, string sql, Func<object?, object?> bind, string[] names)
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

    public override void Enlist(DbTransaction? transaction) => command.Transaction = transaction;

    public override int Execute(params ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < parameters.Length; i++) parameters[i].Value = bind(values[i]) ?? DBNull.Value;
        return command.ExecuteNonQuery();
    }

    public override void Dispose() => command.Dispose();
}
