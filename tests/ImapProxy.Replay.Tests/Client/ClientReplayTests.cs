using System.Net;
using System.Net.Sockets;
using System.Text;
using ImapProxy.Capture.Bus;
using ImapProxy.Protocol;
using ImapProxy.Replay.Client;

namespace ImapProxy.Replay.Tests.Client;

/// <summary>The client replay against scripted servers: behaviour that a well-behaved Dovecot never shows.</summary>
public class ClientReplayTests
{
    private const Direction C = Direction.Client;
    private const Direction S = Direction.Server;

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
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var received = new List<string>();
        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            await using var stream = new NetworkStream(socket);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await stream.WriteAsync("* OK scripted\r\n"u8.ToArray());
            received.Add((await reader.ReadLineAsync())!);
            await stream.WriteAsync("a1 NO [TOOBIG] too big\r\n"u8.ToArray());
            received.Add((await reader.ReadLineAsync())!);
            await stream.WriteAsync("* BYE bye\r\na2 OK bye\r\n"u8.ToArray());
        });

        var result = await ClientReplay.RunAsync(session,
            new ClientReplayOptions { Host = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndpoint).Port, Tls = "none", ResponseTimeout = TimeSpan.FromSeconds(10) },
            new ReplayRecorder(recorded.Store, new EventBus()));
        await server.WaitAsync(TimeSpan.FromSeconds(10));

        // RFC 3501 §7.5: after a tagged answer to the header, the literal is not sent; the next thing is the next command.
        Assert.Equal(["a1 APPEND INBOX {17}", "a2 LOGOUT"], received);
        var append = result.Exchanges[0];
        Assert.Equal(("ok", "no"), (append.OriginalStatus, append.ReplayStatus));
        Assert.Contains(append.Changes, c => c is { Response: "tagged", Path: "status" });
        Assert.True(result.Exchanges[1].Same);
    }
}
