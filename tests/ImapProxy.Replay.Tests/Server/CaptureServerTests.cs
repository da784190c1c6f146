using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using ImapProxy.Recording.Bus;
using ImapProxy.Protocol;
using ImapProxy.Replay.Server;

namespace ImapProxy.Replay.Tests.Server;

/// <summary>A recorded conversation served to a client speaking raw IMAP over loopback: every path of the player.</summary>
public class CaptureServerTests
{
    private const Direction C = Direction.Client;
    private const Direction S = Direction.Server;

    private static readonly (Direction, string)[] Conversation =
    [
        (S, "* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] ready\r\n"),
        (C, "a1 AUTHENTICATE PLAIN\r\n"), (S, "+ \r\n"), (C, "AGFsaWNlAHNlY3JldA==\r\n"), (S, "a1 OK logged in\r\n"),
        (C, "a2 APPEND INBOX {5}\r\n"), (S, "+ go ahead\r\n"), (C, "hello\r\n"), (S, "a2 OK [APPENDUID 7 3] appended\r\n"),
        (C, "a3 IDLE\r\n"), (S, "+ idling\r\n"), (S, "* 3 EXISTS\r\n"), (C, "DONE\r\n"), (S, "a3 OK idle done\r\n"),
        (C, "a4 FETCH 3 BODY[]\r\n"), (S, "* 3 FETCH (BODY[] {5}\r\nhello)\r\n"),
        (S, "a4 OK fetched\r\n"), // each step is 10 ms of the recording's clock: the FETCH took 20 ms
        (C, "a5 LOGOUT\r\n"), (S, "* BYE bye\r\na5 OK logged out\r\n"),
    ];

    [Fact]
    public async Task Client_GetsTheCapturedAnswers_WithItsOwnTags_ThroughSaslLiteralsAndIdle()
    {
        using var recorded = new RecordedStore();
        var session = ReplayCheck.Check(recorded.Store, await recorded.RecordAsync(Conversation)).Session!;
        await using var server = CaptureServer.Start(session, new ServeOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) },
            new ReplayRecorder(recorded.Store, new EventBus()));
        using var client = await LineClient.ConnectAsync(server.EndPoint);

        Assert.Equal("* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] ready", await client.ReadLineAsync());
        await client.SendAsync("x1 AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync("AGJvYgB3cm9uZw==\r\n");
        Assert.Equal("x1 OK logged in", await client.ReadLineAsync());

        await client.SendAsync("x2 APPEND INBOX {5}\r\n");
        Assert.StartsWith("+ ", await client.ReadLineAsync());
        await client.SendAsync("hello\r\n");
        Assert.Equal("x2 OK [APPENDUID 7 3] appended", await client.ReadLineAsync());

        // IDLE: the update that came during IDLE arrives before DONE.
        await client.SendAsync("x3 IDLE\r\n");
        Assert.Equal("+ idling", await client.ReadLineAsync());
        Assert.Equal("* 3 EXISTS", await client.ReadLineAsync());
        await client.SendAsync("DONE\r\n");
        Assert.Equal("x3 OK idle done", await client.ReadLineAsync());

        // Literals byte-exact; a command the capture does not have gets a BAD and the session goes on.
        await client.SendAsync("x4 NOOP\r\n");
        Assert.StartsWith("x4 BAD [CLIENTBUG] ImapProxy server replay: no captured command matches NOOP; the capture's next command is a4 FETCH", await client.ReadLineAsync());
        await client.SendAsync("x5 FETCH 3 BODY[]\r\n");
        Assert.Equal("* 3 FETCH (BODY[] {5}", await client.ReadLineAsync());
        Assert.Equal("hello)", await client.ReadLineAsync());
        Assert.Equal("x5 OK fetched", await client.ReadLineAsync());

        await client.SendAsync("x6 LOGOUT\r\n");
        Assert.Equal("* BYE bye", await client.ReadLineAsync());
        Assert.Equal("x6 OK logged out", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
        Assert.Equal(1, server.Served);
    }

    [Fact]
    public async Task CommandWithOtherArguments_GetsABadThatShowsBothValues()
    {
        // Issue 15: "no captured command matches UID FETCH" did not say that the client asked for UID 601 and the capture has 602.
        using var recorded = new RecordedStore();
        var session = ReplayCheck.Check(recorded.Store, await recorded.RecordAsync([
            (S, "* OK ready\r\n"), (C, "a1 UID FETCH 602 (FLAGS)\r\n"), (S, "* 1 FETCH (UID 602 FLAGS ())\r\na1 OK done\r\n"),
        ])).Session!;
        await using var server = CaptureServer.Start(session, new ServeOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) },
            new ReplayRecorder(recorded.Store, new EventBus()));
        using var client = await LineClient.ConnectAsync(server.EndPoint);
        await client.ReadLineAsync();

        await client.SendAsync("x1 UID FETCH 601 (FLAGS)\r\n");

        Assert.Equal("x1 BAD [CLIENTBUG] ImapProxy server replay: no captured command matches UID FETCH; the capture's next UID FETCH is a1, " +
                     "which differs in sequenceSet: \"601\" sent, \"602\" captured", await client.ReadLineAsync());
        await client.SendAsync("x2 UID FETCH 602 (FLAGS)\r\n");
        Assert.Equal("* 1 FETCH (UID 602 FLAGS ())", await client.ReadLineAsync());
    }

    [Fact]
    public async Task EsearchTag_IsTheClients_AndAHostileCommandEndsNothing()
    {
        using var recorded = new RecordedStore();
        var session = ReplayCheck.Check(recorded.Store, await recorded.RecordAsync([
            (S, "* OK ready\r\n"), (C, "a1 SEARCH RETURN (MIN) ALL\r\n"), (S, "* ESEARCH (TAG \"a1\") MIN 2\r\na1 OK done\r\n"),
        ])).Session!;
        await using var server = CaptureServer.Start(session, new ServeOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) },
            new ReplayRecorder(recorded.Store, new EventBus()));
        using var client = await LineClient.ConnectAsync(server.EndPoint);
        await client.ReadLineAsync();

        // Nested deeper than JSON readers allow by default, in a command that matches nothing.
        await client.SendAsync($"z1 XFOO {new string('(', 90)}{new string(')', 90)}\r\n");
        Assert.StartsWith("z1 BAD", await client.ReadLineAsync());
        await client.SendAsync("z2 SEARCH RETURN (MIN) ALL\r\n");

        Assert.Equal("* ESEARCH (TAG \"z2\") MIN 2", await client.ReadLineAsync());
        Assert.Equal("z2 OK done", await client.ReadLineAsync());
    }

    [Theory]
    [InlineData(30_000, 300)] // the FETCH's own 300 ms
    [InlineData(100, 100)]    // capped at MaxDelay
    public async Task OriginalTiming_HoldsTheAnswerForTheCapturedLatency_ThenSendsItInOrder(int maxDelayMs, int expectedWaitMs)
    {
        using var recorded = new RecordedStore();
        var session = ReplayCheck.Check(recorded.Store, await recorded.RecordAsync(Conversation)).Session!;
        var fetch = session.Exchanges.Single(x => x.Name == "FETCH");
        Assert.Equal(TimeSpan.FromMilliseconds(20), fetch.Latency);
        // A capture whose FETCH took 300 ms.
        session = session with { Exchanges = session.Exchanges.Select(x => x == fetch ? x with { Latency = TimeSpan.FromMilliseconds(300) } : x).ToList() };
        // The wait is on a clock turned by hand: the test sees it begin and ends it, no wall-clock slack involved.
        var clock = new HandTurnedClock();
        await using var server = CaptureServer.Start(session, new ServeOptions
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0), OriginalTiming = true, MaxDelay = TimeSpan.FromMilliseconds(maxDelayMs), Time = clock,
            },
            new ReplayRecorder(recorded.Store, new EventBus()));
        using var client = await LineClient.ConnectAsync(server.EndPoint);
        Assert.StartsWith("* OK ", await client.ReadLineAsync());

        await client.SendAsync("x1 FETCH 3 BODY[]\r\n");
        var wait = await clock.NextTimerAsync();

        Assert.Equal(TimeSpan.FromMilliseconds(expectedWaitMs), wait.DueTime);
        Assert.Equal(0, client.Available); // nothing of the answer went out before the wait
        wait.Fire();
        Assert.Equal("* 3 FETCH (BODY[] {5}", await client.ReadLineAsync());
        Assert.Equal("hello)", await client.ReadLineAsync());
        Assert.Equal("x1 OK fetched", await client.ReadLineAsync());
    }

    /// <summary>Lines over loopback, each read bounded by a timeout.</summary>
    private sealed class LineClient : IDisposable
    {
        private readonly TcpClient tcp;
        private readonly StreamReader reader;

        private LineClient(TcpClient tcp)
        {
            this.tcp = tcp;
            reader = new StreamReader(tcp.GetStream(), Encoding.ASCII);
        }

        public static async Task<LineClient> ConnectAsync(IPEndPoint endPoint)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(endPoint);
            return new LineClient(tcp);
        }

        public async Task<string?> ReadLineAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await reader.ReadLineAsync(timeout.Token);
        }

        public Task SendAsync(string text) => tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

        /// <summary>Bytes arrived that the reader has not taken yet.</summary>
        public int Available => tcp.Available;

        public void Dispose() => tcp.Dispose();
    }

    /// <summary>A clock whose timers fire only when the test says; it hands each timer over as it is created.</summary>
    private sealed class HandTurnedClock : TimeProvider
    {
        private readonly Channel<HandTimer> created = Channel.CreateUnbounded<HandTimer>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new HandTimer(callback, state, dueTime);
            created.Writer.TryWrite(timer);
            return timer;
        }

        public async Task<HandTimer> NextTimerAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await created.Reader.ReadAsync(timeout.Token);
        }
    }

    private sealed class HandTimer(TimerCallback callback, object? state, TimeSpan dueTime) : ITimer
    {
        public TimeSpan DueTime { get; } = dueTime;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
