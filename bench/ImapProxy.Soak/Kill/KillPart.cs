using ImapProxy.RelayBench;
using ImapProxy.TestSupport;

namespace ImapProxy.Soak.Kill;

/// <summary>What the kill part saw over all its rounds.</summary>
internal sealed record KillResult(int Rounds, int SessionsHeldAtKill, int HeldClosedAsStopped, int HeldNotStored,
    int StoredSessions, IReadOnlyDictionary<string, int> CloseReasons, IReadOnlyList<string> Failures, TimeSpan Duration);

/// <summary>
/// Part 3: one data directory, a published proxy that is killed with SIGKILL in the middle of live sessions and
/// started again, round after round. After every start the store must open, <c>imapproxy sessions</c> must work,
/// every session from before the start must have an end, and those held open at the kill must be closed as
/// proxy-stopped (the proxy closes abandoned sessions when it starts).
/// </summary>
internal sealed class KillPart(SoakOptions options, Action<string> progress)
{
    private const string ProxyStopped = "proxy-stopped";
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(30);

    private readonly List<string> failures = [];
    private readonly HashSet<string> heldAddresses = [];
    private int held;
    private int heldStopped;
    private int heldNotStored;

    public async Task<KillResult> RunAsync(DovecotServer dovecot, string upstreamCa, string work, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        var directory = Path.Combine(work, "kill");
        var dataDirectory = Path.Combine(directory, "data");
        IReadOnlyList<StoredSession> last = [];
        var random = new Random(options.Seed);
        // Rounds 1..N end with a kill; start N+1 only checks what the last kill left and stops the proxy cleanly.
        for (var round = 1; round <= options.KillRounds + 1; round++)
        {
            var restartedAt = DateTimeOffset.UtcNow;
            ProxyProcess proxy;
            try
            {
                proxy = await ProxyProcess.StartAsync(options.ProxyDll, directory, Mode.Plaintext, dovecot.ImapPort, upstreamCa,
                    new Dictionary<string, string>(), ProxyProcess.UpstreamAddress, ct);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                failures.Add($"start {round}: the proxy did not start on the killed store: {e.Message}");
                break;
            }
            await using (proxy)
            {
                last = await CheckStoreAsync(round, dataDirectory, restartedAt, ct) ?? last;
                if (round > options.KillRounds)
                {
                    var exit = await proxy.Process.StopAsync();
                    if (exit != 0) failures.Add($"the last proxy exited with code {exit} on SIGTERM");
                    break;
                }
                await KillMidSessionAsync(proxy, random, ct);
            }
        }
        var reasons = last.GroupBy(s => s.CloseReason ?? "(open)").ToDictionary(g => g.Key, g => g.Count());
        return new KillResult(options.KillRounds, held, heldStopped, heldNotStored, last.Count, reasons, failures, DateTime.UtcNow - started);
    }

    /// <summary>
    /// Opens three sessions (one that ends, one in IDLE, one sending NOOPs without pause), waits a little so the
    /// store has most of them, then SIGKILL while the NOOPs are in flight.
    /// </summary>
    private async Task KillMidSessionAsync(ProxyProcess proxy, Random random, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(SessionTimeout);
        await using (var finished = await OpenAsync(proxy, timeout.Token)) await finished.LogoutAsync(timeout.Token);
        await using var idle = await OpenAsync(proxy, timeout.Token);
        await idle.StartIdleAsync(timeout.Token);
        await using var busy = await OpenAsync(proxy, timeout.Token);
        using var stopNoops = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var noops = NoopUntilCancelledAsync(busy, stopNoops.Token);
        heldAddresses.UnionWith([idle.LocalAddress, busy.LocalAddress]);
        held += 2;

        // Between 0.1 and 1.5 s: sometimes before the store writer caught up, mostly after.
        await Task.Delay(random.Next(100, 1500), timeout.Token);
        await proxy.Process.KillAsync();
        await stopNoops.CancelAsync();
        await noops;
    }

    private static async Task<RawImapClient> OpenAsync(ProxyProcess proxy, CancellationToken ct)
    {
        var client = await RawImapClient.ConnectAsync(proxy.PlainPort, tls: false, RawImapClient.SmallBufferSize, ct);
        await client.LoginAsync(DovecotUser.Bob, ct);
        await client.CommandAsync("SELECT INBOX", ct);
        return client;
    }

    private static async Task NoopUntilCancelledAsync(RawImapClient client, CancellationToken ct)
    {
        try
        {
            while (true) await client.CommandAsync("NOOP", ct);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ImapException)
        {
            // The kill cuts it off; that is the point.
        }
    }

    /// <summary>The checks after a start; returns the listed sessions, or null when the CLI failed.</summary>
    private async Task<IReadOnlyList<StoredSession>?> CheckStoreAsync(int round, string dataDirectory, DateTimeOffset restartedAt, CancellationToken ct)
    {
        IReadOnlyList<StoredSession> sessions;
        try
        {
            sessions = await StoredSessions.ListAsync(options.ProxyDll, dataDirectory, ct);
        }
        catch (InvalidOperationException e)
        {
            failures.Add($"start {round}: {e.Message}");
            return null;
        }
        var earlier = sessions.Where(s => s.StartedAt < restartedAt).ToList();
        foreach (var open in earlier.Where(s => s.EndedAt is null))
            failures.Add($"start {round}: session {open.Id} (started {open.StartedAt:HH:mm:ss.fff}) has no end after the restart");
        // The sessions held open at the kill before this start: closed as proxy-stopped, or never stored at all.
        foreach (var address in heldAddresses)
        {
            var stored = earlier.Where(s => s.ClientAddress == address).MaxBy(s => s.Id);
            if (stored is null) heldNotStored++;
            else if (stored.CloseReason == ProxyStopped) heldStopped++;
            else failures.Add($"start {round}: session {stored.Id} was open at the kill but closed as {stored.CloseReason ?? "nothing"}");
        }
        heldAddresses.Clear();
        progress($"kill: start {round}: store opened, {sessions.Count} sessions listed, {earlier.Count(s => s.CloseReason == ProxyStopped)} closed as {ProxyStopped}, " +
                 $"{earlier.Count(s => s.EndedAt is null)} without an end");
        return sessions;
    }
}
