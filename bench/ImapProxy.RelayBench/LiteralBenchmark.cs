using System.Diagnostics;
using ImapProxy.TestSupport;

namespace ImapProxy.RelayBench;

/// <summary>What one very large literal cost a fresh proxy, each way, and what its store kept of it.</summary>
internal sealed record LiteralResult(long Size, TimeSpan AppendElapsed, TimeSpan FetchElapsed, long PeakResidentKiB, long RssBeforeKiB,
    IReadOnlyList<StoredLiteral> Stored, string SentSha256, bool CaptureIncomplete, long ClientStored, long ServerStored)
{
    public double AppendMegabytesPerSecond => Size / 1e6 / AppendElapsed.TotalSeconds;
    public double FetchMegabytesPerSecond => Size / 1e6 / FetchElapsed.TotalSeconds;
}

/// <summary>A <c>literal-truncated</c> event of the session: the literal's size, what was kept, its hash and why.</summary>
internal sealed record StoredLiteral(string Source, long Length, long Kept, string Sha256, string Cause);

/// <summary>
/// One literal of --literal-size bytes (1 GiB by default) through a fresh plaintext proxy: APPENDed by the client
/// (a client literal), then fetched back with BODY.PEEK[] (a server literal). The proxy must relay it whole with its
/// memory bounded (its peak RSS is measured from its start, so nothing else counts) and store the literal as the
/// capture cap says: its first bytes, its size and its SHA-256, the session marked incomplete.
/// </summary>
internal sealed class LiteralBenchmark(Action<string> progress)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public async Task<LiteralResult> RunAsync(ProxyProcess proxy, long size, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        var rssBefore = proxy.Process.ResidentKiB();
        await using var client = await RawImapClient.ConnectAsync(proxy.Port(Mode.Plaintext), tls: false, RawImapClient.BulkBufferSize, timeout.Token);
        await client.LoginAsync(DovecotUser.Alice, timeout.Token);
        await client.CommandAsync("CREATE large", timeout.Token);

        progress($"literal: APPEND of {size:N0} bytes");
        DirtyPages.WriteBack();
        var clock = Stopwatch.StartNew();
        var sha256 = await client.AppendAsync("large", size, timeout.Token);
        var appendElapsed = clock.Elapsed;

        progress("literal: FETCH BODY.PEEK[] of it");
        await client.CommandAsync("SELECT large", timeout.Token);
        var received = client.BytesReceived;
        DirtyPages.WriteBack();
        clock.Restart();
        await client.CommandAsync("UID FETCH 1:* BODY.PEEK[]", timeout.Token);
        var fetchElapsed = clock.Elapsed;
        if (client.BytesReceived - received < size) throw new ImapException($"the FETCH returned {client.BytesReceived - received:N0} bytes for a {size:N0}-byte message");
        await client.LogoutAsync(timeout.Token);

        var peak = proxy.Process.PeakResidentKiB();
        progress("literal: stopping the proxy so its store drains");
        await proxy.Process.StopAsync();
        var (stored, incomplete, clientStored, serverStored) = ReadStore(proxy.DatabaseFile, client.LocalAddress);
        return new LiteralResult(size, appendElapsed, fetchElapsed, peak, rssBefore, stored, sha256, incomplete, clientStored, serverStored);
    }

    private static (IReadOnlyList<StoredLiteral>, bool Incomplete, long ClientStored, long ServerStored) ReadStore(string databaseFile, string clientAddress)
    {
        using var connection = StoreCheck.Open(databaseFile);
        using var find = connection.CreateCommand();
        find.CommandText = "SELECT id, capture_incomplete FROM sessions WHERE client_address = $address ORDER BY id DESC LIMIT 1";
        find.Parameters.AddWithValue("$address", clientAddress);
        long id;
        bool incomplete;
        using (var reader = find.ExecuteReader())
        {
            if (!reader.Read()) throw new ImapException($"the proxy stored no session for {clientAddress}");
            (id, incomplete) = (reader.GetInt64(0), reader.GetInt64(1) != 0);
        }
        using var events = connection.CreateCommand();
        events.CommandText = """
            SELECT source, json_extract(json, '$.length'), json_extract(json, '$.kept'), json_extract(json, '$.sha256'), json_extract(json, '$.cause')
            FROM events WHERE session_id = $id AND type = 'literal-truncated' ORDER BY seq
            """;
        events.Parameters.AddWithValue("$id", id);
        var literals = new List<StoredLiteral>();
        using (var reader = events.ExecuteReader())
        {
            while (reader.Read())
                literals.Add(new StoredLiteral(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4)));
        }
        var clientStored = StoreCheck.Measure(connection, id, "client").Bytes;
        var serverStored = StoreCheck.Measure(connection, id, "server").Bytes;
        return (literals, incomplete, clientStored, serverStored);
    }
}
