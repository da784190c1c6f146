using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Recording.Events;
using ImapProxy.Replay;
using ImapProxy.Replay.Client;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;

namespace ImapProxy.Tests.Replay;

/// <summary>A captured session's client side sent again to the real Dovecot, and the answers compared.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ClientReplayTests(DovecotFixture fixture)
{
    [Fact]
    public async Task ReplayAgainstTheSameMailbox_DiffersInNothing_ThenNamesAChangedMessage()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var folder = await ReplayScenario.CreateFolderAsync(fixture.Server, cts.Token,
            SampleMessages.Text("first", "Hello."), SampleMessages.Text("second", "Hello again."));
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var captured = ReplayScenario.Captured(proxy, await proxy.RecordSessionAsync(cts.Token, client => ReplayScenario.ObserveAsync(client, folder, cts.Token)));
        var options = Options(proxy);

        var same = await ClientReplay.RunAsync(captured, options, ReplayScenario.Recorder(proxy), cts.Token);

        Assert.Null(same.Stopped);
        Assert.Equal(captured.Exchanges.Count, same.Exchanges.Count);
        Assert.All(same.Exchanges, x => Assert.True(x.Same, $"{x.Tag} {x.Command}: {x.Note} {string.Join("; ", x.Changes)}"));

        // Someone flags the first message; the replay's FETCH says so, and only that changed in it.
        using (var other = await fixture.Server.ConnectAsync(DovecotUser.Alice, ct: cts.Token))
        {
            var changed = await other.GetFolder(other.PersonalNamespaces[0]).GetSubfolderAsync(folder, cts.Token);
            await changed.OpenAsync(FolderAccess.ReadWrite, cts.Token);
            await changed.AddFlagsAsync(0, MessageFlags.Flagged, true, cts.Token);
            await other.DisconnectAsync(true, cts.Token);
        }
        var differing = await ClientReplay.RunAsync(captured, options, ReplayScenario.Recorder(proxy), cts.Token);

        var fetch = differing.Exchanges.Single(x => x.Command is "FETCH" or "UID FETCH" && x.Changes.Count > 0);
        var change = Assert.Single(fetch.Changes);
        Assert.Equal(("changed", "* 1 FETCH", "data.flags"), (change.Kind, change.Response, change.Path));
        Assert.Contains("Flagged", change.Replay);
        Assert.DoesNotContain("Flagged", change.Original);

        // The replays are sessions of their own, and the password given for them was redacted like any other.
        await proxy.FlushStoreAsync();
        var replay = proxy.Store.GetSession(differing.ReplaySessionId)!;
        Assert.Equal(($"replay of session {captured.Id}", "alice"), (replay.ClientAddress, replay.User));
        // Its TLS as it was: the replay is the client, its leg to Dovecot is TLS (issue 15: shown as "none / none").
        Assert.Null(replay.ClientLegTls);
        Assert.StartsWith("Tls1", replay.UpstreamLegTls);
        Assert.DoesNotContain(DovecotUser.Alice.Password, Encoding.UTF8.GetString(proxy.Store.GetRaw(replay.Id, Direction.Client)));
    }

    [Fact]
    public async Task SynchronizingLiteral_WaitsForTheServersGoAhead_AndTheAppendHappensAgain()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var folder = await ReplayScenario.CreateFolderAsync(fixture.Server, cts.Token);
        var message = "Subject: appended with {n}\r\n\r\nHello.\r\n";
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        using (var raw = await RawClient.ConnectAsync(proxy.PlainPort, cts.Token))
        {
            await raw.ReadLineAsync(cts.Token);
            await raw.WriteAsync($"a1 LOGIN alice {DovecotUser.Alice.Password}\r\n", cts.Token);
            Assert.StartsWith("a1 OK", await raw.ReadLineAsync(cts.Token));
            await raw.WriteAsync($"a2 APPEND {folder} {{{message.Length}}}\r\n", cts.Token);
            Assert.StartsWith("+", await raw.ReadLineAsync(cts.Token));
            await raw.WriteAsync(message + "\r\n", cts.Token);
            Assert.StartsWith("a2 OK", await raw.ReadLineAsync(cts.Token));
            await raw.WriteAsync("a3 LOGOUT\r\n", cts.Token);
            await raw.ReadToEndAsync(cts.Token);
        }
        await proxy.WaitForSessionsToCloseAsync();
        var captured = ReplayScenario.Captured(proxy, proxy.Store.GetSessions(1).Single().Id);

        var result = await ClientReplay.RunAsync(captured, Options(proxy) with { NewTags = true }, ReplayScenario.Recorder(proxy), cts.Token);

        Assert.Equal(["LOGIN", "APPEND", "LOGOUT"], result.Exchanges.Select(x => x.Command));
        Assert.All(result.Exchanges, x => Assert.True(x.Same, $"{x.Tag} {x.Command}: {x.Note} {string.Join("; ", x.Changes)}"));
        using var check = await fixture.Server.ConnectAsync(DovecotUser.Alice, ct: cts.Token);
        var appended = await check.GetFolder(check.PersonalNamespaces[0]).GetSubfolderAsync(folder, cts.Token);
        await appended.OpenAsync(FolderAccess.ReadOnly, cts.Token);
        Assert.Equal(2, appended.Count);
    }

    [Fact]
    public async Task Idle_IsHeldAsCaptured_ThenEndedWithDone()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var captured = ReplayScenario.Captured(proxy, await proxy.RecordSessionAsync(cts.Token, async client =>
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            using var done = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await client.IdleAsync(done.Token, cts.Token);
        }));
        var idle = captured.Exchanges.Single(x => x.Name == "IDLE");
        Assert.True(idle.IdleFor > TimeSpan.Zero);

        var result = await ClientReplay.RunAsync(captured, Options(proxy), ReplayScenario.Recorder(proxy), cts.Token);

        Assert.True(result.Exchanges.Single(x => x.Command == "IDLE").Same);
        await proxy.FlushStoreAsync();
        var events = proxy.Store.GetEvents(result.ReplaySessionId, 0, 1000);
        Assert.Contains(events, e => e.Kind == "client-line" && e.Json.Contains("\"idle-done\""));
        // Held as long as captured, within a tenth: both spans are the recording's timestamps on a busy machine, each
        // end a few milliseconds late or early (CI saw 291 ms held for 297 ms captured); a replay that does not hold
        // sends DONE within a millisecond or two of the continuation.
        var started = events.First(e => e is { Kind: "command", Name: "IDLE" }).Time;
        var ended = events.First(e => e.Kind == "client-line").Time;
        Assert.True(ended - started >= idle.IdleFor * 0.9, $"held {ended - started}, captured {idle.IdleFor}");
    }

    [Fact]
    public async Task StopOnError_StopsAtTheFirstNo_AndSaysWhichCommandsWereNotSent()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var folder = await ReplayScenario.CreateFolderAsync(fixture.Server, cts.Token, SampleMessages.Text("only", "Hello."));
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var captured = ReplayScenario.Captured(proxy, await proxy.RecordSessionAsync(cts.Token, client => ReplayScenario.ObserveAsync(client, folder, cts.Token)));
        using (var other = await fixture.Server.ConnectAsync(DovecotUser.Alice, ct: cts.Token))
            await (await other.GetFolder(other.PersonalNamespaces[0]).GetSubfolderAsync(folder, cts.Token)).DeleteAsync(cts.Token);

        // Over STARTTLS this time, on Dovecot's plaintext port.
        var options = Options(proxy) with { StopOnError = true, Port = fixture.Server.ImapPort, Tls = UpstreamTlsMode.StartTls };
        var result = await ClientReplay.RunAsync(captured, options, ReplayScenario.Recorder(proxy), cts.Token);

        var examine = result.Exchanges.Single(x => x.Command == "EXAMINE");
        Assert.Equal((ResponseStatus.Ok, ResponseStatus.No), (examine.OriginalStatus, examine.ReplayStatus));
        Assert.Contains(examine.Changes, c => c is { Response: "tagged", Path: "status" });
        Assert.StartsWith($"stopped after {examine.Tag} EXAMINE answered NO", result.Stopped);
        Assert.True(result.Exchanges[0] is { Command: "AUTHENTICATE", Same: true }); // logged in after STARTTLS
        await proxy.FlushStoreAsync();
        Assert.Equal("starttls", proxy.Store.GetSession(result.ReplaySessionId)!.UpstreamTls);
        // The capture goes on after EXAMINE (FETCHes, then LOGOUT): each of those is listed as not sent.
        var notSent = result.Exchanges.Where(x => x.Index > examine.Index).ToList();
        Assert.Contains("LOGOUT", notSent.Select(x => x.Command));
        Assert.All(notSent, x => Assert.StartsWith("not sent: stopped after", x.Note));
    }

    [Fact]
    public async Task WrongPassword_IsAnsweredNoOnTheLogin_NotAMystery()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var captured = ReplayScenario.Captured(proxy, await proxy.RecordSessionAsync(cts.Token, _ => Task.CompletedTask));

        var result = await ClientReplay.RunAsync(captured, Options(proxy) with { Credentials = new Credentials("alice", "wrong"), StopOnError = true },
            ReplayScenario.Recorder(proxy), cts.Token);

        var login = result.Exchanges.First(x => x.Command is "AUTHENTICATE" or "LOGIN");
        Assert.Equal((ResponseStatus.Ok, ResponseStatus.No), (login.OriginalStatus, login.ReplayStatus));
        var withoutPassword = Options(proxy) with { Credentials = null };
        var error = await Assert.ThrowsAsync<ReplayException>(() => ClientReplay.RunAsync(captured, withoutPassword, ReplayScenario.Recorder(proxy), cts.Token));
        Assert.Contains("give the password", error.Message);
    }

    /// <summary>
    /// Issue 15 #14: a replay that would change the mailbox says so before it starts, and a read-only one leaves it
    /// as it was: no second copy of the appended message, no flag stored, and FETCH BODY[] does not mark it \Seen.
    /// </summary>
    [Fact]
    public async Task ReadOnlyReplay_SaysWhatItWouldChange_AndLeavesTheMailboxAsItWas()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var folder = await ReplayScenario.CreateFolderAsync(fixture.Server, cts.Token, SampleMessages.Text("kept", "Hello."));
        const string message = "Subject: appended\r\n\r\nOnce.\r\n";
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var id = await RecordRawAsync(proxy, cts.Token,
            $"a2 SELECT {folder}", "a3 STORE 1 -FLAGS (\\Seen)", "a4 FETCH 1 (BODY[])", $"a5 APPEND {folder} {{{message.Length}}}\r\n{message}");
        var verdict = ReplayCheck.Check(proxy.Store, id);
        // The capture's FETCH marked the message \Seen again; unmark it so the replay's effect shows.
        await MarkUnseenAsync(folder, cts.Token);

        Assert.Equal("STORE ×1 (a3), FETCH ×1 (a4), APPEND ×1 (a5)", verdict.MailboxChanges);
        var result = await ClientReplay.RunAsync(verdict.Session!, Options(proxy) with { ReadOnly = true }, ReplayScenario.Recorder(proxy), cts.Token);

        var select = result.Exchanges.Single(x => x.Command == "SELECT");
        Assert.Equal($"EXAMINE {folder}", select.SentAs);
        Assert.Equal(ResponseStatus.Ok, select.ReplayStatus);
        Assert.All(result.Exchanges.Where(x => x.Command is "STORE" or "APPEND"),
            x => Assert.Equal("skipped: --read-only (it would change the server's mailboxes)", x.Note));
        Assert.Equal(ResponseStatus.Ok, result.Exchanges.Single(x => x.Command == "FETCH").ReplayStatus);
        using var check = await fixture.Server.ConnectAsync(DovecotUser.Alice, ct: cts.Token);
        var after = await check.GetFolder(check.PersonalNamespaces[0]).GetSubfolderAsync(folder, cts.Token);
        await after.OpenAsync(FolderAccess.ReadOnly, cts.Token);
        Assert.Equal(2, after.Count); // the kept message and the capture's own APPEND, not a third
        var flags = (await after.FetchAsync(0, 0, MessageSummaryItems.Flags, cts.Token)).Single().Flags!.Value;
        Assert.False(flags.HasFlag(MessageFlags.Seen), $"the read-only replay's FETCH BODY[] marked the message: {flags}");
    }

    /// <summary>
    /// Issue 15 #14: the capture appended a message (APPENDUID 1), fetched, flagged and expunged it by that UID. The
    /// replay's server gives the new copy UID 2, and the commands after it follow: without that, UID FETCH 1 names a
    /// message that is gone and every answer after the APPEND differs.
    /// </summary>
    [Fact]
    public async Task CommandsAfterAnAppend_UseTheUidTheReplaysServerGaveTheMessage()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        var folder = await ReplayScenario.CreateFolderAsync(fixture.Server, cts.Token);
        const string message = "Subject: numbered\r\n\r\nBy UID.\r\n";
        await using var proxy = await ProxyHarness.StartAsync(fixture.Server, "implicit");
        var id = await RecordRawAsync(proxy, cts.Token,
            $"a2 SELECT {folder}", $"a3 APPEND {folder} {{{message.Length}}}\r\n{message}", "a4 UID FETCH 1 (BODY.PEEK[])",
            "a5 UID STORE 1 +FLAGS.SILENT (\\Deleted)", "a6 UID EXPUNGE 1");
        var captured = ReplayScenario.Captured(proxy, id);
        Assert.Contains("[APPENDUID", Encoding.ASCII.GetString(captured.Exchanges.Single(x => x.Name == "APPEND").ServerParts[^1]));

        var result = await ClientReplay.RunAsync(captured, Options(proxy), ReplayScenario.Recorder(proxy), cts.Token);

        Assert.All(result.Exchanges, x => Assert.True(x.Same, $"{x.Tag} {x.Command}: {x.Note} {string.Join("; ", x.Changes)}"));
        Assert.Equal(["UID FETCH 2 (BODY.PEEK[])", "UID STORE 2 +FLAGS.SILENT (\\Deleted)", "UID EXPUNGE 2"],
            result.Exchanges.Where(x => x.SentAs is not null).Select(x => x.SentAs));
    }

    /// <summary>LOGIN, the given commands (synchronizing literals wait for the go-ahead), LOGOUT: one stored session through the proxy.</summary>
    private static async Task<long> RecordRawAsync(ProxyHarness proxy, CancellationToken ct, params string[] commands)
    {
        using (var raw = await RawClient.ConnectAsync(proxy.PlainPort, ct))
        {
            await raw.ReadLineAsync(ct);
            await raw.WriteAsync($"a1 LOGIN alice {DovecotUser.Alice.Password}\r\n", ct);
            Assert.StartsWith("a1 OK", await raw.ReadLineAsync(ct));
            foreach (var command in commands)
            {
                var tag = command[..command.IndexOf(' ')];
                var parts = command.Split("}\r\n", 2);
                if (parts.Length == 2)
                {
                    await raw.WriteAsync(parts[0] + "}\r\n", ct);
                    Assert.StartsWith("+", await raw.ReadLineAsync(ct));
                    await raw.WriteAsync(parts[1] + "\r\n", ct);
                }
                else await raw.WriteAsync(command + "\r\n", ct);
                string line;
                while (!(line = await raw.ReadLineAsync(ct)).StartsWith(tag + " ", StringComparison.Ordinal)) { }
                Assert.StartsWith(tag + " OK", line);
            }
            await raw.WriteAsync("z LOGOUT\r\n", ct);
            await raw.ReadToEndAsync(ct);
        }
        await proxy.WaitForSessionsToCloseAsync();
        return proxy.Store.GetSessions(1).Single().Id;
    }

    private async Task MarkUnseenAsync(string folder, CancellationToken ct)
    {
        using var other = await fixture.Server.ConnectAsync(DovecotUser.Alice, ct: ct);
        var opened = await other.GetFolder(other.PersonalNamespaces[0]).GetSubfolderAsync(folder, ct);
        await opened.OpenAsync(FolderAccess.ReadWrite, ct);
        await opened.RemoveFlagsAsync(0, MessageFlags.Seen, true, ct);
        await other.DisconnectAsync(true, ct);
    }

    /// <summary>Straight to Dovecot's implicit-TLS port, trusting its certificate, as alice.</summary>
    private ClientReplayOptions Options(ProxyHarness proxy) => new()
    {
        Host = DovecotServer.Host, Port = fixture.Server.ImapsPort, Tls = UpstreamTlsMode.Implicit, CaFile = proxy.UpstreamCaFile,
        Credentials = new Credentials("alice", DovecotUser.Alice.Password),
    };
}
