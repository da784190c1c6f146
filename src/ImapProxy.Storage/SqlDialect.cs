namespace ImapProxy.Storage;

/// <summary>
/// What the store's SQL says differently in SQLite and in PostgreSQL, and nothing else: every statement is written
/// once, in the SQL both engines read, and asks this for the few spellings that differ. Both engines fold ASCII
/// case only (SQLite's NOCASE and LIKE; PostgreSQL's lower() and ILIKE under the "C" collation of every text
/// column), so the filter means the same on either and the same as in memory (Query/AsciiText.cs).
/// </summary>
public sealed class SqlDialect
{
    private SqlDialect(string name) => Name = name;

    public string Name { get; }

    public static SqlDialect Sqlite { get; } = new("sqlite")
    {
        LikeIgnoringCase = "LIKE",
        OrderedJoin = "CROSS JOIN",
        Greatest = "max",
        Least = "min",
        EmptyBytes = "x''",
        BytesType = "BLOB",
        ExplainPrefix = "EXPLAIN QUERY PLAN ",
        PlanColumn = 3,
    };

    public static SqlDialect PostgreSql { get; } = new("postgresql")
    {
        LikeIgnoringCase = "ILIKE",
        // PostgreSQL has no CROSS JOIN .. ON; its planner chooses the loop order itself.
        OrderedJoin = "JOIN",
        Greatest = "greatest",
        Least = "least",
        EmptyBytes = "'\\x'::bytea",
        BytesType = "bytea",
        ExplainPrefix = "EXPLAIN ",
        PlanColumn = 0,
    };

    /// <summary>LIKE that ignores ASCII case.</summary>
    public required string LikeIgnoringCase { get; init; }

    /// <summary>A join whose left side is the outer loop (SQLite's CROSS JOIN keeps its planner from turning it round).</summary>
    public required string OrderedJoin { get; init; }

    /// <summary>The scalar functions of the larger and the smaller of two values.</summary>
    public required string Greatest { get; init; }
    public required string Least { get; init; }

    /// <summary>A zero-length byte string literal, and the type name of byte strings.</summary>
    public required string EmptyBytes { get; init; }
    public required string BytesType { get; init; }

    /// <summary>How a query's plan is asked for, and the column of the result that describes each step.</summary>
    public required string ExplainPrefix { get; init; }
    public required int PlanColumn { get; init; }

    /// <summary>Equal, ignoring ASCII case (both sides text). The parameter is told its collation: it has none of
    /// its own, and under the database's default lower() would fold letters beyond ASCII.</summary>
    public string EqualsIgnoringCase(string expression, string parameter) => this == Sqlite
        ? $"{expression} = {parameter} COLLATE NOCASE"
        : $"lower({expression}) = lower({parameter} COLLATE \"C\")";

    /// <summary>Part of a text or byte string, from a 1-based position; PostgreSQL's substr takes 32-bit integers only.</summary>
    public string Substring(string value, string from, string count) => this == Sqlite
        ? $"substr({value}, {from}, {count})"
        : $"substr({value}, CAST({from} AS integer), CAST({count} AS integer))";

    /// <summary>SQLite's function (registered on each connection) that reads a raw row's bytes: <c>raw_bytes(session_id, direction, position, length, data)</c>.</summary>
    internal const string RawBytesFunction = "raw_bytes";

    /// <summary>The bytes of the raw row <paramref name="row"/> (a table alias): SQLite reads new rows' from their file
    /// (Sqlite/RawFiles.cs), PostgreSQL keeps them in the row.</summary>
    public string RawBytes(string row) => this == Sqlite
        ? $"{RawBytesFunction}({row}.session_id, {row}.direction, {row}.position, {row}.length, {row}.data)"
        : $"{row}.data";

    /// <summary>How many bytes the raw row <paramref name="row"/> holds, without reading them.</summary>
    public string RawLength(string row) => this == Sqlite
        ? $"coalesce({row}.length, length({row}.data))"
        : $"length({row}.data)";

    /// <summary>1-based position of <paramref name="needle"/> in <paramref name="haystack"/> (text or bytes), 0 when absent.</summary>
    public string Position(string haystack, string needle) => this == Sqlite
        ? $"instr({haystack}, {needle})"
        : $"position({needle} in {haystack})";
}
