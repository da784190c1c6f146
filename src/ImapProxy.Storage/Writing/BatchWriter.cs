using System.Data;
using System.Data.Common;
using System.Text.Json;
using ImapProxy.Recording;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Query;
using Microsoft.Extensions.Logging;

namespace ImapProxy.Storage.Writing;

/// <summary>What one batch stored.</summary>
internal readonly record struct BatchResult(int Events, long RawBytes, int Skipped);

/// <summary>
/// Writes batches of events on the writer's own connection, each batch in one transaction. Not thread-safe:
/// only <see cref="EventStoreWriter"/>'s loop uses it. A problem with one event (a duplicate sequence, an event
/// that cannot be serialized) skips that event; a problem with the database (disk full, I/O) fails the batch. A
/// connection the database dropped (a PostgreSQL server restarted) is opened again at the next batch.
/// </summary>
internal sealed class BatchWriter : IDisposable, IRowOutcomes
{
    // Sessions whose row is known to exist, so most events cost no extra statement. Bounded by dropping it
    // whole: the INSERT .. ON CONFLICT DO NOTHING that refills it is cheap.
    private const int MaxKnownSessions = 10_000;

    private readonly EventStore store;
    private readonly ILogger logger;
    private readonly RawRows raw;
    private DbConnection connection = null!;
    private BatchRows rows = null!;
    private Statement ensureSession = null!;
    private Statement openSession = null!;
    private Statement updateSummary = null!;
    private readonly HashSet<long> knownSessions = [];
    private readonly Dictionary<long, SessionSummary> summaries = [];
    private int events;
    private long rawBytes;
    private int skipped;

    public BatchWriter(EventStore store, ILogger logger)
    {
        this.store = store;
        this.logger = logger;
        raw = new RawRows(store.Options.RawRowBytes, row => rows.Add(row));
        Open();
    }

    private void Open()
    {
        connection = store.OpenWriterConnection();
        rows = store.OpenBatchRows(connection, this);
        // A session whose SessionOpened was dropped by the bus still gets a row, so its other events can be stored.
        ensureSession = Prepare(
            "INSERT INTO sessions (id, started_at) VALUES (@id, @started_at) ON CONFLICT (id) DO NOTHING",
            "@id", "@started_at");
        // The instance (the proxy that relayed the session) is this writer's: a session's events all come through one proxy.
        openSession = Prepare("""
            INSERT INTO sessions (id, started_at, client_address, listener_address, listener, upstream, upstream_tls, client_tls, upstream_insecure, instance)
            VALUES (@id, @started_at, @client_address, @listener_address, @listener, @upstream, @upstream_tls, @client_tls, @upstream_insecure, @instance)
            ON CONFLICT (id) DO UPDATE SET
                started_at = excluded.started_at, client_address = excluded.client_address,
                listener_address = excluded.listener_address, listener = excluded.listener, upstream = excluded.upstream,
                upstream_tls = excluded.upstream_tls, client_tls = excluded.client_tls, upstream_insecure = excluded.upstream_insecure,
                instance = excluded.instance
            """, "@id", "@started_at", "@client_address", "@listener_address", "@listener", "@upstream", "@upstream_tls", "@client_tls",
            "@upstream_insecure", "@instance");
        updateSummary = Prepare("""
            UPDATE sessions SET
                events = events + @events, commands = commands + @commands, failures = failures + @failures,
                anomalies = anomalies + @anomalies, dropped_events = dropped_events + @dropped_events, findings = findings + @findings,
                capture_incomplete = capture_incomplete OR @capture_incomplete, altered = altered OR @altered,
                state = coalesce(@state, state), "user" = coalesce(@user, "user"), mailbox = coalesce(@mailbox, mailbox),
                client_app = coalesce(@client_app_by_id, client_app, @client_app_by_tag),
                client_leg_tls = coalesce(@client_leg_tls, client_leg_tls),
                upstream_leg_tls = coalesce(@upstream_leg_tls, upstream_leg_tls),
                client_sni = coalesce(@client_sni, client_sni), client_ja4 = coalesce(@client_ja4, client_ja4),
                ended_at = coalesce(@ended_at, ended_at), close_reason = coalesce(@close_reason, close_reason),
                close_detail = coalesce(@close_detail, close_detail),
                client_bytes = coalesce(@client_bytes, client_bytes), server_bytes = coalesce(@server_bytes, server_bytes)
            WHERE id = @id
            """, "@id", "@events", "@commands", "@failures", "@anomalies", "@dropped_events", "@capture_incomplete", "@altered", "@state", "@user",
            "@mailbox", "@client_leg_tls", "@upstream_leg_tls", "@ended_at", "@close_reason", "@close_detail", "@client_bytes",
            "@server_bytes", "@findings", "@client_app_by_id", "@client_app_by_tag", "@client_sni", "@client_ja4");
    }

    private Statement Prepare(string sql, params string[] names) => store.Prepare(connection, sql, names);

    private IEnumerable<Statement> Statements => [ensureSession, openSession, updateSummary];

    private void Close()
    {
        rows.Dispose();
        foreach (var statement in Statements) statement.Dispose();
        connection.Dispose();
    }

    /// <param name="lost">What earlier batches lost, said in the sessions' rows within this batch's transaction.</param>
    public BatchResult Write(IReadOnlyList<SessionEvent> batch, LostEvents lost)
    {
        events = 0;
        rawBytes = 0;
        skipped = 0;
        if (connection.State != ConnectionState.Open)
        {
            Close();
            Open();
        }
        var transaction = connection.BeginTransaction();
        try
        {
            rows.Enlist(transaction);
            foreach (var statement in Statements) statement.Enlist(transaction);
            foreach (var e in batch)
            {
                try
                {
                    Store(e);
                }
                catch (Exception error) when (IsProblemOfTheEvent(error))
                {
                    Skip(error, e);
                }
            }
            // The batch's transaction holds all of its bytes and summaries: a reader sees all of a batch or none.
            raw.FlushAll();
            rows.Flush();
            foreach (var mark in lost.Marks)
            {
                ensureSession.Execute(mark.SessionId, StoredText.Time(mark.FirstTime));
                Summary(mark.SessionId).Lost(mark.Events, mark.Closed);
            }
            foreach (var summary in summaries.Values) Update(summary);
            store.Committing(connection, summaries.Keys);
            transaction.Commit();
            return new BatchResult(events, rawBytes, skipped);
        }
        catch
        {
            // Whatever this batch taught us about the database may have been rolled back with it.
            knownSessions.Clear();
            raw.Clear();
            rows.Clear();
            Rollback(transaction);
            throw;
        }
        finally
        {
            summaries.Clear();
            rows.Enlist(null);
            foreach (var statement in Statements) statement.Enlist(null);
            transaction.Dispose();
        }
    }

    /// <summary>Indexes a step of the rows written for text search (<see cref="EventStore.IndexText"/>); returns how many.</summary>
    public int IndexText() => connection.State == ConnectionState.Open ? store.IndexText(connection) : 0;

    /// <summary>Hands one event to the rows of the batch: raw bytes to the raw table, the others to the events table.</summary>
    private void Store(SessionEvent e)
    {
        if (e is RawBytes chunk)
        {
            EnsureSession(e);
            raw.Add(chunk);
            Summary(e.SessionId).AddRaw(chunk);
            return;
        }

        // Everything that can fail because of the event itself happens before the first write.
        var columns = EventColumns.Of(e);
        var json = EventJson.Write(e);
        EnsureSession(e);
        object?[] values = [e.SessionId, e.Sequence, StoredText.Time(e.Time), StoredText.Microseconds(e.Elapsed),
            StoredText.Of(e.Source), e.Offset, columns.Type, columns.Kind, columns.Tag, columns.Name, columns.Status, columns.LatencyUs, json];
        if (store.WritesDerivedColumns) values = [.. values, .. DerivedColumns(e, columns, json)];
        rows.Add(e, values);
        if (e is SessionClosed)
        {
            // Nothing follows a session's close (SessionEvent's lifecycle guarantee): its pending bytes can go now.
            raw.Flush(e.SessionId);
            knownSessions.Remove(e.SessionId);
        }
    }

    void IRowOutcomes.Stored(SessionEvent e)
    {
        events++;
        Summary(e.SessionId).Add(e);
    }

    void IRowOutcomes.Duplicate(SessionEvent e) => Skip(null, e);

    void IRowOutcomes.Stored(RawRow row) => rawBytes += row.Data.Length;

    void IRowOutcomes.Duplicate(RawRow row)
    {
        skipped++;
        logger.LogWarning("Event store skipped {Length} raw {Direction} bytes at {Offset} of session {SessionId}: bytes at that offset are stored already",
            row.Data.Length, row.Direction, row.Offset, row.SessionId);
    }

    // The values SQLite's generated columns compute, by the code the in-memory filter uses for them.
    private static object?[] DerivedColumns(SessionEvent e, EventColumns columns, string json)
    {
        var row = new EventRow(e.SessionId, e.Sequence, e.Time, e.Elapsed, StoredText.Of(e.Source), e.Offset, columns.Type, columns.Kind,
            columns.Tag, columns.Name, columns.Status, null, json);
        return [EventFacts.Command(row), columns.Kind == "command" ? EventFacts.CommandMailbox(e) : null,
            columns.Type == "frame" ? EventFacts.FrameLength(e) : null, EventFacts.Anomalous(row)];
    }

    private void EnsureSession(SessionEvent e)
    {
        // SessionOpened always writes its columns: the row may be a stand-in made for events that overtook it.
        if (e is SessionOpened opened) Open(opened);
        else if (knownSessions.Contains(e.SessionId)) return;
        else ensureSession.Execute(e.SessionId, StoredText.Time(e.Time));
        if (knownSessions.Count >= MaxKnownSessions) knownSessions.Clear();
        knownSessions.Add(e.SessionId);
    }

    private void Open(SessionOpened o) =>
        openSession.Execute(o.SessionId, StoredText.Time(o.Time), o.ClientAddress, o.ListenerAddress, StoredText.Of(o.Listener),
            o.Upstream, StoredText.Of(o.UpstreamTls), StoredText.Of(o.ClientTls), o.UpstreamInsecure, store.Options.Instance);

    private SessionSummary Summary(long sessionId)
    {
        if (!summaries.TryGetValue(sessionId, out var summary)) summaries.Add(sessionId, summary = new SessionSummary(sessionId));
        return summary;
    }

    private void Update(SessionSummary s)
    {
        var closed = s.Closed;
        updateSummary.Execute(s.SessionId, s.Events, s.Commands, s.Failures, s.Anomalies, s.DroppedEvents, s.CaptureIncomplete, s.Altered,
            s.State, s.User, s.Mailbox, s.ClientLegTls, s.UpstreamLegTls,
            closed is null ? null : StoredText.Time(closed.Time), closed is null ? null : StoredText.Of(closed.Reason),
            closed?.Detail, s.ClientBytes(null), s.ServerBytes(null), s.Findings, s.ClientAppById, s.ClientAppByHabit,
            s.ClientSni, s.ClientJa4);
    }

    // A constraint the engine says concerns one row, or an event the serializer or the raw table refuses, concerns this
    // event only. Anything else (disk full, I/O error, corruption) concerns the database and fails the batch.
    private bool IsProblemOfTheEvent(Exception error) => error switch
    {
        DbException database => store.IsProblemOfTheEvent(database),
        JsonException or NotSupportedException or InvalidDataException or ArgumentException => true,
        _ => false,
    };

    /// <param name="error">Null for a duplicate sequence.</param>
    private void Skip(Exception? error, SessionEvent e)
    {
        skipped++;
        logger.LogWarning(error, "Event store skipped {EventType} {Sequence} of session {SessionId}{Why}",
            e.GetType().Name, e.Sequence, e.SessionId, error is null ? ": an event with that sequence is stored already" : "");
    }

    private void Rollback(DbTransaction transaction)
    {
        try
        {
            transaction.Rollback();
        }
        catch (Exception error) when (error is DbException or InvalidOperationException)
        {
            // SQLite rolls back by itself after some errors (SQLITE_FULL, I/O); nothing is left to undo then.
            logger.LogDebug(error, "Event store rollback after a failed batch");
        }
    }

    public void Dispose() => Close();
}
