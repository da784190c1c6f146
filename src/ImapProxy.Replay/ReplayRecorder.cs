using ImapProxy.Capture.Bus;
using ImapProxy.Capture.Events;
using ImapProxy.Capture.Relay;
using ImapProxy.Protocol;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Replay;

/// <summary>
/// Records a replay as a session of its own, through the same <see cref="CaptureTap"/> as live sessions: it is
/// stored, listed, filtered and shown like any other, with a proxy action that names the session it replays.
/// </summary>
public sealed class ReplayRecorder(SqliteEventStore store, EventBus bus, long literalCaptureLimit = 16L * 1024 * 1024, TimeProvider? time = null)
{
    public RecordedReplay Open(SessionOpened opened, string action, string description, Action<ImapFrame> observer)
    {
        var tap = new CaptureTap(store.NextSessionId(), bus, time ?? TimeProvider.System, literalCaptureLimit, frameObserver: observer);
        tap.Publish(opened);
        tap.Publish(new ProxyAction { Source = EventSource.Proxy, Action = action, Description = description });
        return new RecordedReplay(tap);
    }
}

/// <summary>One recorded replay: what each side said goes in, one <see cref="SessionClosed"/> ends it.</summary>
public sealed class RecordedReplay(CaptureTap tap) : IDisposable
{
    private long clientBytes;
    private long serverBytes;
    private bool closed;

    public long SessionId => tap.SessionId;

    public void Client(ReadOnlySpan<byte> bytes)
    {
        Interlocked.Add(ref clientBytes, bytes.Length);
        tap.Feed(Direction.Client, bytes);
    }

    public void Server(ReadOnlySpan<byte> bytes)
    {
        Interlocked.Add(ref serverBytes, bytes.Length);
        tap.Feed(Direction.Server, bytes);
    }

    public void Note(string action, string description) =>
        tap.Publish(new ProxyAction { Source = EventSource.Proxy, Action = action, Description = description });

    public void Close(CloseReason reason, string detail)
    {
        if (closed) return;
        closed = true;
        tap.Complete();
        tap.Publish(new SessionClosed
        {
            Source = EventSource.Proxy, Reason = reason, Detail = detail,
            ClientBytes = Interlocked.Read(ref clientBytes), ServerBytes = Interlocked.Read(ref serverBytes),
        });
    }

    public void Dispose()
    {
        Close(CloseReason.ProxyError, "the replay ended without closing its session");
        tap.Dispose();
    }
}
