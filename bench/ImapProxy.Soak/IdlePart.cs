using ImapProxy.RelayBench;
using ImapProxy.TestSupport;

namespace ImapProxy.Soak;

/// <summary>
/// Part 2: the relay benchmark's idle measurement at soak size: a fresh proxy per mode in front of the real
/// Dovecot, N sessions in IDLE, the proxy's RSS before and with them, then DONE, NOOP and LOGOUT in each.
/// </summary>
internal sealed class IdlePart(SoakOptions options, Action<string> progress)
{
    public async Task<IReadOnlyList<IdleResult>> RunAsync(DovecotServer dovecot, string upstreamCa, string work, CancellationToken ct)
    {
        var results = new List<IdleResult>();
        foreach (var mode in options.IdleModes)
        {
            var name = mode == Mode.Plaintext ? "plaintext" : "tls";
            progress($"idle ({name}): starting a fresh proxy");
            await using var proxy = await ProxyProcess.StartAsync(options.ProxyDll, Path.Combine(work, $"idle-{name}"), mode,
                mode == Mode.Plaintext ? dovecot.ImapPort : dovecot.ImapsPort, upstreamCa, new Dictionary<string, string>(), ProxyProcess.UpstreamName, ct);
            var result = await new IdleBenchmark(progress, hold: TimeSpan.Zero).RunAsync(proxy, mode, options.IdleSessions, ct);
            progress($"idle ({name}): {result.KiBPerSession:0.0} KiB per idle session, {result.Failures} failed");
            results.Add(result);
            await proxy.Process.StopAsync();
        }
        return results;
    }
}
