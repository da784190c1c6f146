using ImapProxy.Recording.Events;
using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// Sessions an earlier proxy left open (killed, crashed, the machine lost power) never get their close: they would
/// be "live" forever, never replayable nor pruned. At start the proxy ends each with the <see cref="SessionClosed"/>
/// the lifecycle promises, at the time of its last stored event, and marks its capture incomplete. A SQLite file is
/// one proxy's: every open session in it is abandoned. In a store several proxies share (PostgreSQL), only the
/// sessions of this proxy's instance are: the others' are live.
/// </summary>
public static class AbandonedSessions
{
    public const string Detail = "the proxy stopped without closing it (a crash or a kill); what it did not store is missing";

    /// <summary>Closes them; returns how many. A store that cannot write now (a full disk) is logged, not fatal.</summary>
    public static int Close(EventStore store, ILogger logger)
    {
        try
        {
            var closes = Find(store);
            if (closes.Count == 0) return 0;
            using var writer = new BatchWriter(store, logger);
            writer.Write(closes, new LostEvents());
            logger.LogWarning("Closed {Count} sessions an earlier proxy left open (a crash or a kill); their capture is marked incomplete", closes.Count);
            return closes.Count;
        }
        catch (Exception e) when (e is DbException or IOException)
        {
            logger.LogError("Could not close the sessions an earlier proxy left open: {Error}", e.Message);
            return 0;
        }
    }

    private static List<SessionEvent> Find(EventStore store)
    {
        using var connection = store.OpenConnection();
        var mine = store.SharedByInstances ? "AND s.instance = @instance" : "";
        // Bytes per direction: where the last stored row ends.
        using var command = EventStore.Command(connection, $"""
            SELECT s.id, coalesce((SELECT max(seq) FROM events WHERE session_id = s.id), 0),
                   coalesce((SELECT max(time) FROM events WHERE session_id = s.id), s.started_at),
                   coalesce((SELECT max(r."offset" + {store.Dialect.RawLength("r")}) FROM raw r WHERE r.session_id = s.id AND r.direction = 'client'), 0),
                   coalesce((SELECT max(r."offset" + {store.Dialect.RawLength("r")}) FROM raw r WHERE r.session_id = s.id AND r.direction = 'server'), 0)
            FROM sessions s WHERE s.ended_at IS NULL {mine}
            """, store.SharedByInstances ? [("@instance", store.Options.Instance)] : []);
        return EventStore.ReadAll<SessionEvent>(command, r => new SessionClosed
        {
            SessionId = r.GetInt64(0), Sequence = r.GetInt64(1) + 1, Time = StoredText.ParseTime(r.GetString(2)),
            Source = EventSource.Proxy, Reason = CloseReason.ProxyStopped, Detail = Detail,
            ClientBytes = r.GetInt64(3), ServerBytes = r.GetInt64(4),
        });
    }
}
