using System.Diagnostics;
using ImapProxy.RelayBench;
using ImapProxy.Soak.Fuzz;
using ImapProxy.Soak.Kill;
using ImapProxy.TestSupport;

namespace ImapProxy.Soak;

/// <summary>
/// The whole run: the fuzz against the scripted upstream, then one Dovecot for the idle and kill parts; a summary
/// at the end. Every child process is stopped on the way out, whether the run succeeded, failed or was cancelled.
/// </summary>
internal sealed class SoakRun(SoakOptions options, TextWriter output)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();

    /// <returns>Whether every part ran without a failure.</returns>
    public async Task<bool> RunAsync(CancellationToken ct)
    {
        var work = Directory.CreateTempSubdirectory("imapproxy-soak-").FullName;
        var summary = new Summary(output, DateTime.UtcNow);
        var passed = false;
        try
        {
            if (options.Parts.Contains("fuzz")) summary.Fuzz(await new FuzzPart(options, Progress).RunAsync(work, ct));
            if (options.Parts.Contains("idle") || options.Parts.Contains("kill")) await RunAgainstDovecotAsync(work, summary, ct);
            passed = summary.Print(clock.Elapsed);
            return passed;
        }
        finally
        {
            if (passed && !options.Keep) Directory.Delete(work, recursive: true);
            else Console.Error.WriteLine($"soak: work directory kept: {work} (proxy logs and stores)");
        }
    }

    private async Task RunAgainstDovecotAsync(string work, Summary summary, CancellationToken ct)
    {
        Progress("starting Dovecot");
        // 25 sessions per imap process, as the relay benchmark measured to carry its idle sessions; room for the
        // warm-up and probe sessions on top of the idle ones.
        await using var dovecot = await DovecotServer.StartAsync(
            new DovecotOptions { SessionsPerImapProcess = 25, MaxSessions = options.IdleSessions + 200 }, ct);
        await dovecot.SeedMaildirAsync("bob", Enumerable.Range(1, 10).Select(i => SampleMessages.Text($"soak {i}", "hello")), ct: ct);
        var upstreamCa = Path.Combine(work, "dovecot-ca.pem");
        await File.WriteAllTextAsync(upstreamCa, dovecot.Certificate.ExportCertificatePem(), ct);

        if (options.Parts.Contains("idle")) summary.Idle(await new IdlePart(options, Progress).RunAsync(dovecot, upstreamCa, work, ct));
        if (options.Parts.Contains("kill")) summary.Kill(await new KillPart(options, Progress).RunAsync(dovecot, upstreamCa, work, ct));
    }

    private void Progress(string message) => Console.Error.WriteLine($"[soak {clock.Elapsed:hh\\:mm\\:ss}] {message}");
}
