using System.Text;
using ImapProxy.Recording.Events;
using ImapProxy.Recording;
using ImapProxy.Protocol;
using ImapProxy.Storage;
using ImapProxy.Storage.Writing;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Replay.Tests;

/// <summary>
/// A real store in a temp directory, filled by the real capture path (a <see cref="ReplayRecorder"/>'s tap) with
/// conversations written out step by step; each step moves the clock 10 ms.
/// </summary>
internal sealed class RecordedStore : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("imapproxy-replay-test-").FullName;

    public RecordedStore() => Store = new SqliteEventStore(new StorageOptions { DataDirectory = directory });

    public SqliteEventStore Store { get; }

    /// <summary>Records the steps as one session; <paramref name="close"/> false leaves it live.</summary>
    public async Task<long> RecordAsync(IEnumerable<(Direction Direction, string Text)> steps, bool close = true, long literalCap = 1 << 20)
    {
        var clock = new ReplayClock(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        return await PrivateWriter.RunAsync(Store, "test", async (bus, writer) =>
        {
            var recording = new ReplayRecorder(Store, bus, literalCap, clock).Open(new SessionOpened
            {
                Source = EventSource.Proxy, ClientAddress = "127.0.0.1:50000", ListenerAddress = "127.0.0.1:1143",
                Listener = ListenerKind.Plain, Upstream = "127.0.0.1:143", UpstreamTls = UpstreamTlsMode.None, ClientTls = ClientTlsMode.None,
            }, "test", "recorded by a test", _ => { });
            foreach (var (direction, text) in steps)
            {
                clock.Advance(TimeSpan.FromMilliseconds(10));
                var bytes = Encoding.UTF8.GetBytes(text);
                if (direction == Direction.Client) recording.Client(bytes);
                else recording.Server(bytes);
            }
            if (close) recording.Close(CloseReason.ServerClosed, "test");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await writer.WaitUntilWrittenAsync(timeout.Token);
            return recording.SessionId;
        });
    }

    public void Dispose()
    {
        Store.Dispose();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
