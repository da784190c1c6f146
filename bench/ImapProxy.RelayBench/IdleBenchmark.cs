using System.Diagnostics;
using ImapProxy.TestSupport;

namespace ImapProxy.RelayBench;

/// <summary>What holding many idle sessions costs the proxy process.</summary>
internal sealed record IdleResult(Mode Mode, int Sessions, long RssBeforeKiB, long RssIdleKiB, long RssAfterEndKiB,
    TimeSpan OpenDuration, int EndedCleanly)
{
    public double KiBPerSession => (RssIdleKiB - RssBeforeKiB) / (double)Sessions;
}

/// <summary>
/// Memory per idle session: a fresh proxy, a few warm-up sessions, its RSS; then N sessions logged in, SELECTed and
/// in IDLE (RFC 2177), its RSS again; then every session ends with DONE and LOGOUT.
/// </summary>
internal sealed class IdleBenchmark(Action<string> progress, TimeSpan hold)
{
    private const int WarmUpSessions = 10;
    private const int Parallelism = 20;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

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
                async (i, token) => clients[i] = await OpenIdleAsync(target, token));
            var openDuration = stopwatch.Elapsed;
            progress($"idle ({mode.ToString().ToLowerInvariant()}): {sessions} sessions in IDLE after {openDuration.TotalSeconds:0.0} s");
            var idle = await SettledRssAsync(proxy, timeout.Token);
            if (hold > TimeSpan.Zero)
            {
                progress($"idle ({mode.ToString().ToLowerInvariant()}): holding the sessions for {hold.TotalSeconds:0} s; proxy pid {proxy.Process.Pid}");
                await Task.Delay(hold, ct);
            }

            // 3. End them cleanly: DONE, the IDLE's tagged OK, LOGOUT and its tagged OK.
            var ended = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, sessions),
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = timeout.Token },
                async (i, token) =>
                {
                    await EndAsync(clients[i]!, token);
                    await clients[i]!.DisposeAsync();
                    clients[i] = null;
                    Interlocked.Increment(ref ended);
                });
            var after = await SettledRssAsync(proxy, timeout.Token);
            return new IdleResult(mode, sessions, before, idle, after, openDuration, ended);
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
        await client.LogoutAsync(ct);
    }

    // The store writer and the GC finish what the last burst started before RSS is read.
    private static async Task<long> SettledRssAsync(ProxyProcess proxy, CancellationToken ct)
    {
        await proxy.Process.WaitUntilQuietAsync(TimeSpan.FromMinutes(2), ct);
        await Task.Delay(Settle, ct);
        return proxy.Process.ResidentKiB();
    }
}
