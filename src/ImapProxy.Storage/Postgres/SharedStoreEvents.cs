using System.Globalization;
using System.Threading.Channels;
using ImapProxy.Recording.Events;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ImapProxy.Storage.Postgres;

/// <summary>
/// The events other proxies store in the shared PostgreSQL database, as they commit: each writer sends a NOTIFY
/// naming its instance and the sessions a batch wrote to (<see cref="PostgresEventStore"/>); this LISTENs, reads
/// what is new in those sessions (by sequence, from the store, as committed) and hands it on as events, the same
/// records the local bus carries. The dashboard shows them beside its own sessions. No table is polled.
/// </summary>
/// <remarks>
/// A lost connection is opened again after 1 s, then up to 30 s apart; notifications sent meanwhile are lost, and
/// the next one about a session brings everything after what was read of it. Memory: one sequence per session being
/// followed, dropped when the session's close is read.
/// </remarks>
public sealed class SharedStoreEvents(PostgresEventStore store, Func<IReadOnlyList<SessionEvent>, Task> deliver, ILogger logger)
{
    public const string Channel = "imapproxy_sessions";

    // PostgreSQL refuses a payload of 8000 bytes or more.
    private const int MaxPayload = 7_000;
    private const int Page = 1_000;
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    private readonly Channel<long> touched = System.Threading.Channels.Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, long> read = [];
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first LISTEN is in place: what commits after it is delivered.</summary>
    public Task Listening => listening.Task;

    /// <summary>"instance:id,id,..." in as many payloads as the ids need.</summary>
    internal static IEnumerable<string> Payloads(string? instance, IEnumerable<long> sessions)
    {
        var prefix = (instance ?? "") + ":";
        var payload = new System.Text.StringBuilder(prefix);
        foreach (var id in sessions)
        {
            if (payload.Length > MaxPayload)
            {
                yield return payload.ToString().TrimEnd(',');
                payload.Clear().Append(prefix);
            }
            payload.Append(id.ToString(CultureInfo.InvariantCulture)).Append(',');
        }
        if (payload.Length > prefix.Length) yield return payload.ToString().TrimEnd(',');
    }

    /// <summary>Listens and delivers until cancelled.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var reading = ReadAsync(stop);
        var retry = FirstRetry;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = store.OpenListenerConnection();
                connection.Notification += (_, n) => Notified(n.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection)) await listen.ExecuteNonQueryAsync(stop);
                listening.TrySetResult();
                retry = FirstRetry;
                while (true) await connection.WaitAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                logger.LogWarning("Live events of the other proxies stopped ({Error}); listening again in {Retry}", e.Message, retry);
                try
                {
                    await Task.Delay(retry, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
            }
        }
        touched.Writer.TryComplete();
        await reading;
    }

    private void Notified(string payload)
    {
        var colon = payload.IndexOf(':');
        // Our own sessions reach the dashboard from the local bus already.
        if (colon < 0 || payload[..colon] == (store.Options.Instance ?? "")) return;
        foreach (var id in payload[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            if (long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var session)) touched.Writer.TryWrite(session);
    }

    private async Task ReadAsync(CancellationToken stop)
    {
        try
        {
            while (await touched.Reader.WaitToReadAsync(stop))
            {
                var sessions = new HashSet<long>();
                while (touched.Reader.TryRead(out var id)) sessions.Add(id);
                foreach (var id in sessions) await DeliverNewAsync(id);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>An opening says which proxy relayed the session: the list shows it, and <c>instance:</c> matches it live.</summary>
    private SessionEvent WithInstance(SessionEvent e, long session) =>
        e is SessionOpened opened ? opened with { Instance = store.GetSession(session)?.Instance } : e;

    private async Task DeliverNewAsync(long session)
    {
        try
        {
            while (true)
            {
                var rows = store.GetEvents(session, read.GetValueOrDefault(session), Page);
                if (rows.Count == 0) return;
                read[session] = rows[^1].Sequence;
                var events = rows.Select(r => WithInstance(r.ReadEvent(), session)).ToList();
                if (events.Any(e => e is SessionClosed)) read.Remove(session);
                await deliver(events);
                if (rows.Count < Page) return;
            }
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            logger.LogWarning("Could not read the live events of session {SessionId} from the shared store: {Error}", session, e.Message);
        }
    }
}
