using System.Diagnostics;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Cli;

/// <summary><c>imapproxy replay</c> and <c>serve-capture</c> as a user runs them, on the store of a real proxy.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ReplayVerbTests(DovecotFixture fixture)
{
    [Fact]
    public async Task Replay_ChecksReplaysAndExplainsWhatIsMissing()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var id = (await proxy.RecordSessionAsync(cts.Token)).ToString();
        var data = proxy.DataDirectory;
        var ca = proxy.UpstreamCaFile;
        var passwordFile = Path.Combine(data, "..", "password");
        await File.WriteAllTextAsync(passwordFile, DovecotUser.Alice.Password + "\n", cts.Token);
        string[] target = ["--to", $"127.0.0.1:{fixture.Server.ImapsPort}", "--tls", "implicit", "--ca-file", ca, "--data", data];

        var check = await Support.Cli.RunAsync("replay", id, "--check", "--data", data);
        // Without --to: the session's own upstream, with its TLS mode.
        var replay = await Support.Cli.RunAsync("replay", id, "--ca-file", ca, "--data", data, "--password-file", passwordFile);
        var json = await Support.Cli.RunAsync(["replay", id, .. target, "--password-file", passwordFile, "--json", "--new-tags"]);
        var noPassword = await Support.Cli.RunAsync(["replay", id, .. target]);
        var untrusted = await Support.Cli.RunAsync(["replay", id, .. target[..^4], "--data", data, "--password-file", passwordFile]);
        var unknown = await Support.Cli.RunAsync("replay", "999", "--check", "--data", data);
        var badTls = await Support.Cli.RunAsync(["replay", id, "--to", "127.0.0.1:1", "--tls", "sometimes", "--data", data]);

        Assert.Equal((0, "client replay: possible\nserver replay: possible\n"), check);
        Assert.Equal(0, replay.ExitCode);
        Assert.Contains($"replay of session {id} against 127.0.0.1:{fixture.Server.ImapsPort}, stored as session", replay.Output);
        Assert.Contains("EXAMINE  OK -> OK  same", replay.Output);
        Assert.Contains(" 0 differ, 0 not compared", replay.Output);
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("\"differing\":0", json.Output);
        Assert.Equal(2, noPassword.ExitCode);
        Assert.Contains("logs in as alice: give the password with --password-env VAR or --password-file FILE", noPassword.Output);
        Assert.Equal(2, untrusted.ExitCode);
        Assert.Contains("--ca-file", untrusted.Output);
        Assert.Contains("client replay: there is no session 999", unknown.Output);
        Assert.Equal(2, badTls.ExitCode);
        Assert.Contains("--tls: 'sometimes' is not one of implicit|starttls|none", badTls.Output);
    }

    [Fact]
    public async Task Check_OfASessionThatEndedBeforeTheGreeting_SaysHowItEnded_NotARawlog()
    {
        // Issue 15: a session the proxy captured blamed "a Dovecot rawlog" for its missing greeting.
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        using var upstream = new FakeUpstream();
        var serve = upstream.ServeOneAsync(async socket =>
        {
            // Never greets; ends when the proxy lets go.
            while (await socket.ReceiveAsync(new byte[64], System.Net.Sockets.SocketFlags.None, cts.Token) > 0) { }
            return true;
        }, cts.Token);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "none", "--upstream", $"127.0.0.1:{upstream.Port}");
        using (await RawClient.ConnectAsync(proxy.PlainPort, cts.Token)) { }
        await proxy.WaitForSessionsToCloseAsync(started: 1);
        var id = Assert.Single(proxy.Store.GetSessions(1)).Id;

        var check = await Support.Cli.RunAsync("replay", id.ToString(), "--check", "--data", proxy.DataDirectory);

        Assert.Equal((0, "client replay: the session has no client commands to send\n" +
                         $"server replay: the server sent no greeting before session {id} ended (client-closed: the client closed the connection), " +
                         "so a client would have nothing to start from\n"), check);
        Assert.True(await serve);
    }

    [Fact]
    public async Task ServeCapture_ServesUntilStopped_AndSaysHowManyItServed()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var id = (await proxy.RecordSessionAsync(cts.Token)).ToString();

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "imapproxy.dll"), "serve-capture", id, "--listen", "127.0.0.1:0",
                     "--data", proxy.DataDirectory, "--ca-dir", proxy.CaDirectory })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        try
        {
            var banner = await process.StandardOutput.ReadLineAsync(cts.Token) ?? "";
            Assert.StartsWith($"serving session {id} on 127.0.0.1:", banner);
            var port = int.Parse(banner.Split(' ')[4].Split(':')[1]);
            using (var raw = await RawClient.ConnectAsync(port, cts.Token))
                Assert.StartsWith("* OK [CAPABILITY", await raw.ReadLineAsync(cts.Token));
            Assert.Matches(@"^127\.0\.0\.1:\d+: connected, stored as session \d+$", await process.StandardOutput.ReadLineAsync(cts.Token));

            // SIGTERM, as a service manager stops it (a shell started in the background ignores SIGINT, and so would the child).
            Libc.Signal(process.Id, Libc.SigTerm);
            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("served 1 connection(s)", await process.StandardOutput.ReadToEndAsync(cts.Token));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        // The connection was stored as a session by the CLI's own writer, in the proxy's store.
        Assert.Contains(proxy.Store.GetSessions(10), s => s.Upstream == $"capture of session {id}");
    }
}
