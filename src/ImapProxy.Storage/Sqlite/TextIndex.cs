using System.Data.Common;
using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Sqlite;

/// <summary>
/// The trigram index of the events' JSON (schema version 7, table events_text) and its two uses: the writer fills
/// it when quiet (<see cref="IndexSome"/>), and text: narrows the rows it checks to the index's candidates
/// (<see cref="Candidates"/>). Candidates are a superset of the rows whose JSON contains the text ignoring ASCII
/// case (the trigram tokenizer folds case, ASCII and more), so the exact LIKE that follows gives the same rows as
/// a scan: the index only decides how many rows are read.
/// </summary>
internal sealed class TextIndex(SqliteEventStore store)
{
    /// <summary>Rows indexed per transaction when the writer indexes: about 35 ms of tokenizing, so events that
    /// arrive meanwhile wait little.</summary>
    public const int StepRows = 1000;

    /// <summary>
    /// Up to this many candidates the rows are read through the index and sorted into page order; from this many
    /// the text is common, and walking the pages' order with the plain LIKE finds a page sooner than sorting them all.
    /// </summary>
    public const int MaxCandidates = 5000;

    private const string Unindexed = "SELECT rowid FROM events WHERE rowid > (SELECT up_to FROM events_text_indexed)";

    /// <summary>Indexes the next rows of the tail in one transaction; returns how many (0: the index is complete).</summary>
    public static int IndexSome(DbConnection connection, int maxRows = StepRows)
    {
        // Looked up before the write lock is taken: an idle writer asks often, and mostly there is nothing to do.
        long upTo;
        int count;
        using (var next = EventStore.Command(connection, $"SELECT max(rowid), count(*) FROM ({Unindexed} ORDER BY rowid LIMIT @n)", [("@n", maxRows)]))
        using (var reader = next.ExecuteReader())
        {
            reader.Read();
            count = reader.GetInt32(1);
            if (count == 0) return 0;
            upTo = reader.GetInt64(0);
        }
        using var transaction = connection.BeginTransaction();
        using var index = EventStore.Command(connection, """
            INSERT INTO events_text (rowid, json) SELECT rowid, json FROM events
                WHERE rowid > (SELECT up_to FROM events_text_indexed) AND rowid <= @up_to;
            UPDATE events_text_indexed SET up_to = max(up_to, @up_to);
            """, [("@up_to", upTo)]);
        index.Transaction = transaction;
        index.ExecuteNonQuery();
        transaction.Commit();
        return count;
    }

    /// <summary>
    /// SQL for the rowids of events that may contain one of <paramref name="texts"/> (the index's candidates and its
    /// tail), or null where the index does not help: a text shorter than a trigram, or more candidates than
    /// <see cref="MaxCandidates"/>.
    /// </summary>
    public string? Candidates(IReadOnlyList<string> texts, SqlParameters p)
    {
        var queries = texts.Select(Query).ToList();
        if (queries.Any(q => q is null) || CountUpTo(queries!, MaxCandidates) >= MaxCandidates) return null;
        return string.Join(" UNION ALL ", [.. queries.Select(q => $"SELECT rowid FROM events_text WHERE events_text MATCH {p.Add(q!)}"), Unindexed]);
    }

    private long CountUpTo(IEnumerable<string> queries, int max)
    {
        using var connection = store.OpenConnection();
        var counts = queries.Select((_, i) => $"(SELECT count(*) FROM (SELECT 1 FROM events_text WHERE events_text MATCH @q{i} LIMIT @max))");
        using var command = EventStore.Command(connection,
            $"SELECT {string.Join(" + ", [.. counts, $"(SELECT count(*) FROM ({Unindexed} LIMIT @max))"])}", [("@max", max)]);
        foreach (var (query, i) in queries.Select((q, i) => (q, i))) EventStore.AddParameter(command, $"@q{i}", query);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// The FTS5 query for rows that contain <paramref name="text"/>: its trigrams joined by AND (the index keeps no
    /// positions, so it cannot ask for them in a row). Every third trigram and the last cover each character once:
    /// fewer lists to intersect, the same guarantee. Null for a text of fewer than three characters, and for one
    /// with U+0000, which would end the query's text early.
    /// </summary>
    internal static string? Query(string text)
    {
        var runes = text.EnumerateRunes().Select(r => r.ToString()).ToList();
        if (runes.Count < 3 || text.Contains('\0')) return null;
        var starts = Enumerable.Range(0, runes.Count - 2).Where(i => i % 3 == 0).Append(runes.Count - 3).Distinct();
        return string.Join(" AND ", starts.Select(i => "\"" + string.Concat(runes.Skip(i).Take(3)).Replace("\"", "\"\"") + "\""));
    }
}
