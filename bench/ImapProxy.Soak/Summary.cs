using ImapProxy.RelayBench;
using ImapProxy.Soak.Fuzz;
using ImapProxy.Soak.Kill;

namespace ImapProxy.Soak;

/// <summary>Collects each part's result and prints them at the end; any failure makes the run fail.</summary>
internal sealed class Summary(TextWriter output, DateTime startedUtc)
{
    private const int SeedsListed = 100;

    private readonly List<string> lines = [];
    private int failures;

    public void Fuzz(FuzzResult r)
    {
        failures += r.Failures.Count + (r.ProxyAlive ? 0 : 1) + (r.ProxyExitCode is null or 0 ? 0 : 1);
        lines.Add($"fuzz: {r.Played:N0} of {r.Planned:N0} sessions played in {Minutes(r.Duration)} ({r.Played / r.Duration.TotalSeconds:0} sessions/s); " +
                  $"server side damaged in {r.ServerDamaged:N0}, client side in {r.Played - r.ServerDamaged:N0}");
        lines.Add($"fuzz: {r.Failures.Count} not byte-exact; proxy {(r.ProxyAlive ? "alive and accepting at the end" : "DOWN")}, " +
                  $"exit code on SIGTERM {r.ProxyExitCode?.ToString() ?? "-"}, peak RSS {r.PeakRssKiB / 1024.0:N0} MiB");
        lines.Add($"fuzz: stored close reasons: {string.Join(", ", r.CloseReasons.Select(c => $"{c.Key} {c.Value:N0}"))}");
        if (r.Failures.Count > 0)
        {
            lines.Add($"fuzz: failed seeds (replay with --replay SEED): {string.Join(" ", r.Failures.Take(SeedsListed).Select(f => f.Seed))}" +
                      (r.Failures.Count > SeedsListed ? $" and {r.Failures.Count - SeedsListed} more" : ""));
            foreach (var symptom in r.Failures.GroupBy(f => Kind(f.Symptom)).OrderByDescending(g => g.Count()))
                lines.Add($"fuzz:   {symptom.Count()} x {symptom.Key} (e.g. seed {symptom.First().Seed}: {symptom.First().Symptom})");
        }
    }

    public void Idle(IReadOnlyList<IdleResult> results)
    {
        foreach (var r in results)
        {
            failures += r.Failures;
            lines.Add($"idle ({(r.Mode == Mode.Plaintext ? "plaintext" : "tls")}): {r.Opened}/{r.Sessions} in IDLE after {r.OpenDuration.TotalSeconds:0.0} s; " +
                      $"VmRSS {r.RssBeforeKiB / 1024.0:N1} -> {r.RssIdleKiB / 1024.0:N1} MiB = {r.KiBPerSession:0.0} KiB per idle session; " +
                      $"{r.EndedCleanly} left IDLE, NOOPed and logged out cleanly, {r.Failures} failed; VmRSS after {r.RssAfterEndKiB / 1024.0:N1} MiB");
        }
    }

    public void Kill(KillResult r)
    {
        failures += r.Failures.Count;
        lines.Add($"kill: {r.Rounds} rounds of SIGKILL mid-session and restart on one store in {Minutes(r.Duration)}; {r.Failures.Count} failures");
        lines.Add($"kill: {r.SessionsHeldAtKill} sessions open at the kills: {r.HeldClosedAsStopped} closed as proxy-stopped at the next start, " +
                  $"{r.HeldNotStored} not in the store (killed before the writer stored their start)");
        lines.Add($"kill: {r.StoredSessions} sessions listed by `imapproxy sessions` at the end: {string.Join(", ", r.CloseReasons.Select(c => $"{c.Key} {c.Value}"))}");
        lines.AddRange(r.Failures.Select(f => $"kill:   {f}"));
    }

    /// <returns>Whether there was no failure.</returns>
    public bool Print(TimeSpan duration)
    {
        output.WriteLine();
        output.WriteLine($"ImapProxy soak, {startedUtc:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        foreach (var line in lines) output.WriteLine(line);
        output.WriteLine($"total: {failures} failures in {Minutes(duration)}");
        return failures == 0;
    }

    // Symptoms differ in their numbers; the words say what kind of failure it was.
    private static string Kind(string symptom) => string.Concat(symptom.Where(c => !char.IsDigit(c)));

    private static string Minutes(TimeSpan t) => $"{(int)t.TotalMinutes} min {t.Seconds:00} s";
}
