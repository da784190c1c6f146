using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Tests.Support;

/// <summary>Small hand-made events, for tests about volume and failure rather than about IMAP.</summary>
internal static class Synthetic
{
    public static readonly DateTimeOffset Time = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static SessionOpened Opened(long id) => new()
    {
        SessionId = id, Sequence = 1, Time = Time, Elapsed = TimeSpan.Zero, Source = EventSource.Proxy,
        ClientAddress = "127.0.0.1:50000", ListenerAddress = "127.0.0.1:1143", Listener = ListenerKind.Plain,
        Upstream = "127.0.0.1:143", UpstreamTls = UpstreamTlsMode.None, ClientTls = ClientTlsMode.None,
    };

    public static ProxyAction Action(long id, long sequence) => new()
    {
        SessionId = id, Sequence = sequence, Time = Time.AddMilliseconds(sequence), Elapsed = TimeSpan.FromMilliseconds(sequence),
        Source = EventSource.Proxy, Action = "test", Description = $"event {sequence}",
    };

    public static RawBytes Raw(long id, EventSource source, long offset, byte[] data) => new()
    {
        SessionId = id, Time = Time, Elapsed = TimeSpan.Zero, Source = source, Offset = offset, Data = data,
    };

    /// <summary>The client's close, 30 s in: 90 bytes from the client, 1,000 from the server.</summary>
    public static SessionClosed Closed(long id, long sequence) => new()
    {
        SessionId = id, Sequence = sequence, Time = Time.AddSeconds(30), Elapsed = TimeSpan.FromSeconds(30), Source = EventSource.Proxy,
        Reason = CloseReason.ClientClosed, Detail = "the client closed the connection", ClientBytes = 90, ServerBytes = 1_000,
    };

    /// <summary>An opening followed by small events, <paramref name="count"/> in all.</summary>
    public static List<SessionEvent> Session(long id, int count) =>
        [Opened(id), .. Enumerable.Range(2, count - 1).Select(i => Action(id, i))];
}
