using System.Net;
using System.Net.Sockets;
using System.Text;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Protocol;
using ImapProxy.Replay.Client;

namespace ImapProxy.Replay.Tests.Client;

/// <summary>The client replay against scripted servers: behaviour that a well-behaved Dovecot never shows.</summary>
public class ClientReplayTests
{
    private const Direction C = Direction.Client;
    private const Direction S = Direction.Server;

    [Fact]
    public async Task NonSynchronizingLiteral_IsSentSynchronizing_ToAServerWithoutLiteralPlus()
    {
        using var recorded = new RecordedStore();
        var id = await recorded.RecordAsync([
            (S, "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n"),
            (C, "a1 APPEND INBOX {5+}\r\nhello\r\n"), (S, "a1 OK appended\r\n"),
        ]);
        var session = ReplayCheck.Check(recorded.Store, id).Session!;
        var (port, received, server) = ScriptedServer("* OK [CAPABILITY IMAP4rev1] no LITERAL+ here\r\n", async (reader, write) =>
        {
            var header = await reader.ReadLineAsync();
            await write(header == "a1 APPEND INBOX {5}" ? "+ go ahead\r\n" : "a1 BAD expected a synchronizing literal\r\n");
            var body = await reader.ReadLineAsync();
            await write("a1 OK appended\r\n");
            return [header!, body!];
        });

        var result = await ClientReplay.RunAsync(session,
            new ClientReplayOptions { Host = "127.0.0.1", Port = port, Tls = UpstreamTlsMode.None, ResponseTimeout = TimeSpan.FromSeconds(10) },
            new ReplayRecorder(recorded.Store, new EventBus()));
        await server.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["a1 APPEND INBOX {5}", "hello"], received);
        Assert.True(result.Exchanges.Single().Same, string.Join("; ", result.Exchanges.Single().Changes));
    }

    /// <summary>A one-client server on loopback: the greeting, then the script; what the script returns is what it received.</summary>
    private static (int Port, List<string> Received, Task Done) ScriptedServer(string greeting, Func<StreamReader, Func<string, Task>, Task<string[]>> script)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var received = new List<string>();
        var done = Task.Run(async () =>
        {
            try
            {
                using var socket = await listener.AcceptSocketAsync();
                await using var stream = new NetworkStream(socket);
                using var reader = new StreamReader(stream, Encoding.ASCII);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(greeting));
                received.AddRange(await script(reader, text => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask()));
            }
            finally
            {
                listener.Stop();
            }
        });
        return (((IPEndPoint)listener.LocalEndpoint).Port, received, done);
    }

    [Fact]
    public async Task LiteralRefusedByTheServer_IsNeverSent()
    {
        using var recorded = new RecordedStore();
        var id = await recorded.RecordAsync([
            (S, "* OK ready\r\n"),
            (C, "a1 APPEND INBOX {17}\r\n"), (S, "+ go ahead\r\n"), (C, "x DELETE INBOX\r\n\r\n"), (S, "a1 OK appended\r\n"),
            (C, "a2 LOGOUT\r\n"), (S, "* BYE bye\r\na2 OK bye\r\n"),
        ]);
        var session = ReplayCheck.Check(recorded.Store, id).Session!;
        var (port, received, server) = ScriptedServer("* OK scripted\r\n", async (reader, write) =>
        {
            var header = await reader.ReadLineAsync();
            await write("a1 NO [TOOBIG] too big\r\n");
            var next = await reader.ReadLineAsync();
            await write("* BYE bye\r\na2 OK bye\r\n");
            return [header!, next!];
        });

        var result = await ClientReplay.RunAsync(session,
            new ClientReplayOptions { Host = "127.0.0.1", Port = port, Tls = UpstreamTlsMode.None, ResponseTimeout = TimeSpan.FromSeconds(10) },
            new ReplayRecorder(recorded.Store, new EventBus()));
        await server.WaitAsync(TimeSpan.FromSeconds(10));

        // RFC 3501 §7.5: after a tagged answer to the header, the literal is not sent; the next thing is the next command.
        Assert.Equal(["a1 APPEND INBOX {17}", "a2 LOGOUT"], received);
        var append = result.Exchanges[0];
        Assert.Equal((ResponseStatus.Ok, ResponseStatus.No), (append.OriginalStatus, append.ReplayStatus));
        Assert.Contains(append.Changes, c => c is { Response: "tagged", Path: "status" });
        Assert.True(result.Exchanges[1].Same);
    }
}
