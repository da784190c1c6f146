using System.Diagnostics;
using ImapProxy.TestSupport;

namespace ImapProxy.RelayBench;

/// <summary>What holding many idle sessions costs the proxy process.</summary>
/// <param name="UpstreamHost">How the proxy named Dovecot (<see cref="ProxyProcess.UpstreamName"/> or its address).</param>
/// <param name="Opened">Sessions that reached IDLE; the others failed on the way (<see cref="OpenFailures"/>).</param>
/// <param name="EndedCleanly">Opened sessions that answered DONE, NOOP and LOGOUT with their tagged OKs.</param>
internal sealed record IdleResult(Mode Mode, string UpstreamHost, int Sessions, long RssBeforeKiB, long RssIdleKiB, long RssAfterEndKiB,
    TimeSpan OpenDuration, int Opened, int EndedCleanly)
{
    public double KiBPerSession => Opened == 0 ? 0 : (RssIdleKiB - RssBeforeKiB) / (double)Opened;
    public int OpenFailures => Sessions - Opened;
    public int EndFailures => Opened - EndedCleanly;
    public int Failures => Sessions - EndedCleanly;

    /// <summary>Judged against the goal: the upstream named as users name it (by address, the figure is shown alone).</summary>
    public bool Judged => UpstreamHost == ProxyProcess.UpstreamName;

    public string Case => CaseOf(Mode, UpstreamHost);

    /// <summary>"plaintext", "tls", or "tls, upstream 127.0.0.1" when the proxy was given Dovecot's address.</summary>
    public static string CaseOf(Mode mode, string upstreamHost)
    {
        var name = mode == Mode.Plaintext ? "plaintext" : "tls";
        return upstreamHost == ProxyProcess.UpstreamName ? name : $"{name}, upstream {upstreamHost}";
    }
}

/// <summary>
/// Memory per idle session: a fresh proxy, a few warm-up sessions, its RSS; then N sessions logged in, SELECTed and
/// in IDLE (RFC 2177), its RSS again; then every session leaves IDLE (DONE), sends a NOOP and ends with LOGOUT.
/// A session that fails to open or to end is counted, not fatal: the soak check reports how many did.
/// </summary>
internal sealed class IdleBenchmark(Action<string> progress, TimeSpan hold)
{
    private const int WarmUpSessions = 10;
    private const int Parallelism = 20;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    // One session's opening or ending: far more than it takes, so only a stuck session runs into it.
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(60);
    private const int MaxFailuresReported = 10;

    private int failuresReported;

    public async Task<IdleResult> RunAsync(ProxyProcess proxy, Mode mode, int sessions, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout + hold);
        var target = new Target("imapproxy", mode, proxy.Port(mode));
        var clients = new RawImapClient?[sessions];
        try
        {
            // 1. Warm-up: JIT, the leaf certificate cache, the store's first writes.
            for (var i = 0; i < WarmUpSessions; i++)
            {
                await using var client = await OpenIdleAsync(target, timeout.Token);
                await EndAsync(client, timeout.Token);
            }
            var before = await SettledRssAsync(proxy, timeout.Token);

            // 2. Open all sessions, a few at a time, like clients reconnecting after a network change.
            var stopwatch = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, sessions),
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = timeout.Token },
                async (i, token) => await SucceedsAsync(async t => clients[i] = await OpenIdleAsync(target, t), "open", token));
            var openDuration = stopwatch.Elapsed;
            var opened = clients.Count(c => c is not null);
            progress($"idle ({IdleResult.CaseOf(mode, proxy.UpstreamHost)}): {opened}/{sessions} sessions in IDLE after {openDuration.TotalSeconds:0.0} s");
            var idle = await SettledRssAsync(proxy, timeout.Token);
            if (hold > TimeSpan.Zero)
            {
                progress($"idle ({IdleResult.CaseOf(mode, proxy.UpstreamHost)}): holding the sessions for {hold.TotalSeconds:0} s; proxy pid {proxy.Process.Pid}");
                await Task.Delay(hold, ct);
            }

            // 3. End them cleanly: DONE and the IDLE's tagged OK, a NOOP, LOGOUT and its tagged OK.
            var ended = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, sessions).Where(i => clients[i] is not null),
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = timeout.Token },
                async (i, token) =>
                {
                    var client = clients[i]!;
                    if (await SucceedsAsync(t => EndAsync(client, t), "end", token)) Interlocked.Increment(ref ended);
                    await client.DisposeAsync();
                    clients[i] = null;
                });
            var after = await SettledRssAsync(proxy, timeout.Token);
            return new IdleResult(mode, proxy.UpstreamHost, sessions, before, idle, after, openDuration, opened, ended);
        }
        finally
        {
            foreach (var client in clients)
            {
                if (client is not null) await client.DisposeAsync();
            }
        }
    }

    private static async Task<RawImapClient> OpenIdleAsync(Target target, CancellationToken ct)
    {
        var client = await RawImapClient.ConnectAsync(target.Port, target.Tls, RawImapClient.SmallBufferSize, ct);
        try
        {
            await client.LoginAsync(DovecotUser.Bob, ct);
            await client.CommandAsync("SELECT INBOX", ct);
            await client.StartIdleAsync(ct);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private static async Task EndAsync(RawImapClient client, CancellationToken ct)
    {
        await client.StopIdleAsync(ct);
        await client.CommandAsync("NOOP", ct);
        await client.LogoutAsync(ct);
    }

    /// <summary>Runs one session's step with a timeout of its own; a failure is reported (the first few) and counted by the caller.</summary>
    private async Task<bool> SucceedsAsync(Func<CancellationToken, Task> step, string what, CancellationToken ct)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct);
        session.CancelAfter(SessionTimeout);
        try
        {
            await step(session.Token);
            return true;
        }
        catch (Exception e) when (e is ImapException or IOException or System.Net.Sockets.SocketException
                                       or System.Security.Authentication.AuthenticationException
                                       or OperationCanceledException && !ct.IsCancellationRequested)
        {
            if (Interlocked.Increment(ref failuresReported) <= MaxFailuresReported) progress($"idle: a session failed to {what}: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    // The store writer and the GC finish what the last burst started before RSS is read.
    private static async Task<long> SettledRssAsync(ProxyProcess proxy, CancellationToken ct)
    {
        await proxy.Process.WaitUntilQuietAsync(TimeSpan.FromMinutes(2), ct);
        await Task.Delay(Settle, ct);
        return proxy.Process.ResidentKiB();
    }
}
