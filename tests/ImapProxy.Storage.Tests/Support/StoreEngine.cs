using ImapProxy.TestSupport;

namespace ImapProxy.Storage.Tests.Support;

/// <summary>
/// The engine a contract test runs on. A contract is an abstract test class taking one; its two subclasses, one line
/// each, name the engine (SqliteXxxTests, PostgresXxxTests), so a failure says which engine broke it.
/// </summary>
public sealed class StoreEngine
{
    private readonly Func<Task<string?>> database;

    private StoreEngine(string name, Func<Task<string?>> database) => (Name, this.database) = (name, database);

    public string Name { get; }

    public static StoreEngine Sqlite { get; } = new("sqlite", () => Task.FromResult<string?>(null));

    /// <summary>A new database of the test run's cluster for each harness.</summary>
    public static StoreEngine Postgres { get; } = new("postgresql", async () => await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync());

    /// <summary>A harness on a new, empty store of this engine.</summary>
    internal async Task<StoreHarness> HarnessAsync(Func<StorageOptions, StorageOptions>? configure = null) =>
        new(configure, postgres: await database());

    public override string ToString() => Name;
}
