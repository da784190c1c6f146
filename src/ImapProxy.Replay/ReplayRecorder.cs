using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Recording;
using ImapProxy.Protocol;
using ImapProxy.Storage;

namespace ImapProxy.Replay;

/// <summary>
/// Records a replay as a session of its own, through the same <see cref="SessionRecording"/> as live sessions: it
/// is stored, listed, filtered and shown like any other, with a proxy action that names the session it replays.
/// </summary>
public sealed class ReplayRecorder(EventStore store, EventBus bus, long literalCaptureLimit = SessionRecording.DefaultLiteralLimit, TimeProvider? time = null)
{
    public RecordedReplay Open(SessionOpened opened, string action, string description, Action<ImapFrame> observer)
    {
        var recording = new SessionRecording(store.NextSessionId(), opened, bus, time ?? TimeProvider.System, literalCaptureLimit, frameObserver: observer);
        recording.Publish(new ProxyAction { Source = EventSource.Proxy, Action = action, Description = description });
        return new RecordedReplay(recording);
    }
}

/// <summary>One recorded replay: what each side said goes in (its byte counts are what was fed), one close ends it.</summary>
public sealed class RecordedReplay(SessionRecording recording) : IDisposable
{
    public long SessionId => recording.SessionId;

    public void Client(ReadOnlySpan<byte> bytes) => recording.Feed(Direction.Client, bytes);

    public void Server(ReadOnlySpan<byte> bytes) => recording.Feed(Direction.Server, bytes);

    /// <summary>A finished TLS handshake of one leg: the session shows its protocol like a relayed session's.</summary>
    public void Tls(TlsLeg leg, System.Net.Security.SslStream stream, string? serverName) =>
        recording.Publish(TlsHandshakeReport.Succeeded(new TlsHandshake { Source = EventSource.Proxy, Leg = leg, Succeeded = true }, stream, serverName));

    /// <summary>Latest protocol state seen (user, mailbox).</summary>
    public StateChangeFrame? State => recording.State;

    public void Record(ProxyAction action) => recording.Publish(action);

    public void Note(string action, string description) =>
        recording.Publish(new ProxyAction { Source = EventSource.Proxy, Action = action, Description = description });

    public void Close(CloseReason reason, string detail) => recording.Close(reason, detail);

    public void Dispose() => recording.Dispose();
}
