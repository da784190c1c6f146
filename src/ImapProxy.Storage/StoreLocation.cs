using Npgsql;

namespace ImapProxy.Storage;

/// <summary>
/// Which store, as the user names it (<c>--store</c>, setting <c>Store</c>): <c>sqlite:PATH</c>, a
/// <c>postgresql://user:password@host:port/database</c> URL, or an Npgsql connection string (<c>Host=…;Username=…</c>).
/// <see cref="ToString"/> is what logs and pages show: never a password.
/// </summary>
public abstract record StoreLocation
{
    /// <summary>The SQLite file of a data directory, the default store.</summary>
    public static StoreLocation InDataDirectory(string dataDirectory) =>
        new SqliteLocation(Path.Combine(Path.GetFullPath(dataDirectory), Sqlite.SqliteEventStore.FileName));

    /// <exception cref="ArgumentException">The text names no store; the message says what is expected (never the password).</exception>
    public static StoreLocation Parse(string text)
    {
        text = text.Trim();
        if (text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["sqlite:".Length..];
            return path.Length > 0 ? new SqliteLocation(Path.GetFullPath(path)) : throw new ArgumentException("sqlite: needs the path of the database file, e.g. sqlite:data/imapproxy.db");
        }
        if (text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
            return PostgresLocation.FromUrl(text);
        if (text.Contains('='))
            return PostgresLocation.FromConnectionString(text);
        throw new ArgumentException($"expected sqlite:PATH, postgresql://USER@HOST:PORT/DATABASE or a connection string (Host=...;Username=...), not '{Shown(text)}'");
    }

    // What a refused value looked like: from its @ on when it has one (what comes before may be a password).
    private static string Shown(string text) => text.IndexOf('@') is var at and > 0 ? "…" + text[at..] : text.Length > 80 ? text[..80] + "…" : text;
}

public sealed record SqliteLocation(string Path) : StoreLocation
{
    public override string ToString() => "sqlite:" + Path;
}

/// <summary>A PostgreSQL database. The password may also come from PGPASSWORD or a password file (PGPASSFILE,
/// ~/.pgpass, or Passfile= in a connection string): Npgsql reads them when the location names none.</summary>
public sealed record PostgresLocation : StoreLocation
{
    private PostgresLocation(NpgsqlConnectionStringBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Host)) throw new ArgumentException("the PostgreSQL store needs a host (Host=... or postgresql://USER@HOST/DATABASE)");
        if (string.IsNullOrEmpty(builder.Database)) throw new ArgumentException("the PostgreSQL store needs a database name (Database=... or postgresql://USER@HOST/DATABASE)");
        ConnectionString = builder.ConnectionString;
        Shown = $"postgresql://{(string.IsNullOrEmpty(builder.Username) ? "" : Uri.EscapeDataString(builder.Username) + "@")}{builder.Host}:{builder.Port}/{Uri.EscapeDataString(builder.Database)}";
    }

    /// <summary>For Npgsql only: it may hold the password. Internal, so that no serializer or structured log that
    /// walks public properties ever writes it.</summary>
    internal string ConnectionString { get; }

    private string Shown { get; }

    public override string ToString() => Shown;

    internal static PostgresLocation FromConnectionString(string text)
    {
        try
        {
            return new PostgresLocation(new NpgsqlConnectionStringBuilder(text));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            // Npgsql's messages name keys, never their values.
            throw new ArgumentException($"not a PostgreSQL connection string: {e.Message}", e);
        }
    }

    // RFC 3986 userinfo and path, percent-encoded; query parameters are connection string keys (sslmode=require).
    internal static PostgresLocation FromUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException("not a PostgreSQL URL: expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE");
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host.Trim('[', ']') };
        if (!uri.IsDefaultPort && uri.Port > 0) builder.Port = uri.Port;
        var user = uri.UserInfo.Split(':', 2);
        if (user[0].Length > 0) builder.Username = Uri.UnescapeDataString(user[0]);
        if (user.Length == 2) builder.Password = Uri.UnescapeDataString(user[1]);
        var database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length > 0) builder.Database = database;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (Uri.UnescapeDataString(k), Uri.UnescapeDataString(v)) : (pair, "");
            try
            {
                builder[key] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
            {
                throw new ArgumentException($"PostgreSQL URL parameter '{key}': {e.Message}", e);
            }
        }
        return new PostgresLocation(builder);
    }
}
