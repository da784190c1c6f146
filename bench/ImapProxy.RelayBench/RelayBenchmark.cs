using System.Diagnostics;
using ImapProxy.TestSupport;
using Microsoft.Data.Sqlite;

namespace ImapProxy.RelayBench;

/// <summary>
/// The whole run: one Dovecot with a bulk mailbox; socat and ImapProxy in front of it, plaintext and TLS on both
/// legs; then bulk throughput, NOOP latency, the store check and idle-session memory, each printed when done.
/// Every child process is stopped on the way out, whether the run succeeded, failed or was cancelled.
/// </summary>
internal sealed class RelayBenchmark(BenchOptions options, TextWriter output)
{
    private static readonly Mode[] Modes = [Mode.Plaintext, Mode.Tls];
    private readonly Report report = new(output);
    private readonly Stopwatch clock = Stopwatch.StartNew();

    /// <returns>Whether every target of the issue was met.</returns>
    public async Task<bool> RunAsync(CancellationToken ct)
    {
        var work = Directory.CreateTempSubdirectory("imapproxy-relaybench-").FullName;
        var succeeded = false;
        try
        {
            await RunInAsync(work, ct);
            succeeded = true;
            return report.AllPassed;
        }
        finally
        {
            if (succeeded && !options.Keep)
            {
                Directory.Delete(work, recursive: true);
            }
            else
            {
                Console.Error.WriteLine($"relay-bench: work directory kept: {work} (proxy logs and databases)");
            }
        }
    }

    private async Task RunInAsync(string work, CancellationToken ct)
    {
        // 1. Dovecot: 25 sessions per imap process, as measured to carry 500 idle sessions here; alice gets the
        //    bulk mailbox, bob a small one for the idle sessions.
        Progress("starting Dovecot");
        await using var dovecot = await DovecotServer.StartAsync(new DovecotOptions { SessionsPerImapProcess = 25 }, ct);
        Progress($"seeding {options.Messages} messages of {options.MessageSize:N0} bytes");
        long mailboxBytes = 0;
        await dovecot.SeedMaildirAsync("alice", Enumerable.Range(1, options.Messages).Select(i =>
        {
            var message = SampleMessages.OfSize($"bulk {i}", options.MessageSize);
            mailboxBytes += message.Length;
            return message;
        }), ct: ct);
        await dovecot.SeedMaildirAsync("bob", Enumerable.Range(1, 10).Select(i => SampleMessages.Text($"idle {i}", "hello")), ct: ct);
        var upstreamCa = Path.Combine(work, "dovecot-ca.pem");
        await File.WriteAllTextAsync(upstreamCa, dovecot.Certificate.ExportCertificatePem(), ct);

        report.Header(
        [
            $"ImapProxy relay benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC",
            $"machine: {Environment.ProcessorCount} cores ({CpuModel()}), loopback only, {Versions()}",
            $"proxy: {options.ProxyDll}{Describe(options.ProxyEnvironment)}",
            $"bulk mailbox: {options.Messages} messages, {mailboxBytes / 1e6:N1} MB; raw client reads {RawImapClient.BulkBufferSize / 1024} KiB at a time and skips literals by count",
        ]);

        if (options.Parts.Contains("bulk") || options.Parts.Contains("latency"))
            await RunRelaysAsync(work, dovecot, upstreamCa, ct);

        if (options.Parts.Contains("idle"))
        {
            var results = new List<IdleResult>();
            // TLS also with Dovecot named by its address, for the figure alone: see ProxyProcess.UpstreamAddress.
            var cases = options.IdleModes.Select(m => (Mode: m, Host: ProxyProcess.UpstreamName))
                .Concat(options.IdleModes.Where(m => m == Mode.Tls).Select(m => (Mode: m, Host: ProxyProcess.UpstreamAddress)));
            foreach (var (mode, host) in cases)
            {
                Progress($"idle ({IdleResult.CaseOf(mode, host)}): starting a fresh proxy");
                await using var proxy = await StartProxyAsync(work, $"proxy-idle-{Name(mode)}-{host}", mode, dovecot, upstreamCa, ct, host);
                results.Add(await new IdleBenchmark(Progress, TimeSpan.FromSeconds(options.IdleHoldSeconds)).RunAsync(proxy, mode, options.Sessions, ct));
                await proxy.Process.StopAsync();
            }
            report.Idle(results);
        }

        if (options.Parts.Contains("literal"))
        {
            Progress("literal: starting a fresh proxy");
            await using var proxy = await StartProxyAsync(work, "proxy-literal", Mode.Plaintext, dovecot, upstreamCa, ct);
            report.Literal(await new LiteralBenchmark(Progress).RunAsync(proxy, options.LiteralSize, ct));
        }

        report.Summary();
        Progress("done");
    }

    /// <summary>Bulk and latency against direct, socat and ImapProxy, then the store check on the stopped proxies.</summary>
    private async Task RunRelaysAsync(string work, DovecotServer dovecot, string upstreamCa, CancellationToken ct)
    {
        Progress("starting socat and the proxies");
        var (cert, key) = Socat.WriteCertificate(work);
        var references = new List<ChildProcess>();
        var proxies = new Dictionary<Mode, ProxyProcess>();
        try
        {
            var targets = new List<Target>();
            // A relay that stores every byte answers for the bulk goal; in the NOOP blocks it would only add time.
            var bulkOnly = new List<Target>();

            // A relay to compare with, started on a free port and greeting before it is measured; stopped at the end.
            async Task<Target> StartReferenceAsync(string name, Mode mode, Func<int, ChildProcess> start)
            {
                var port = ProxyProcess.FreePort();
                var process = start(port);
                references.Add(process);
                var target = new Target(name, mode, port, process);
                await Readiness.WaitForGreetingAsync(target, process, ct);
                return target;
            }

            foreach (var mode in Modes)
            {
                var dovecotPort = mode == Mode.Plaintext ? dovecot.ImapPort : dovecot.ImapsPort;
                var socatTarget = await StartReferenceAsync("socat", mode, port =>
                    Socat.Start(mode, port, dovecotPort, cert, key, Path.Combine(work, $"socat-{Name(mode)}.log")));
                bulkOnly.Add(await StartReferenceAsync(Socat.StoringName, mode, port =>
                    Socat.Start(mode, port, dovecotPort, cert, key, Path.Combine(work, $"socat-store-{Name(mode)}.log"), work)));
                if (Mitmdump.Installed) targets.Add(await StartReferenceAsync("mitmdump", mode, port => Mitmdump.Start(mode, port, dovecotPort, work)));
                proxies[mode] = await StartProxyAsync(work, $"proxy-{Name(mode)}", mode, dovecot, upstreamCa, ct);
                targets.AddRange([new Target("direct", mode, dovecotPort), socatTarget, new Target("imapproxy", mode, proxies[mode].Port(mode), proxies[mode].Process)]);
            }
            if (!Mitmdump.Installed) output.WriteLine("mitmdump: not installed (apt-get install mitmproxy), so not measured\n");
            await PrintTlsAsync(targets, ct);
            var proxyProcesses = proxies.Values.Select(p => p.Process).ToList();

            IReadOnlyList<BulkRun> runs = [];
            if (options.Parts.Contains("bulk"))
            {
                runs = await new BulkBenchmark([.. targets, .. bulkOnly], proxyProcesses, options.Messages, Progress).RunAsync(options.Repetitions, ct);
                report.Bulk(runs, options.Repetitions);
                foreach (var (mode, proxy) in proxies) report.PeakMemory(mode, proxy.Process.PeakResidentKiB());
                output.WriteLine();
            }
            if (options.Parts.Contains("latency"))
            {
                Progress("latency");
                report.Latency(await new LatencyBenchmark(targets, proxyProcesses, Progress).RunAsync(options.Noops, ct));
            }

            // The store is read once the proxies have stopped: SIGTERM lets the writer drain its queue first.
            foreach (var (mode, proxy) in proxies)
            {
                Progress($"stopping {proxy.Process.Name} so its store drains");
                var exit = await proxy.Process.StopAsync();
                if (exit != 0) Progress($"{proxy.Process.Name} exited with code {exit}; see {proxy.Process.LogFile}");
            }
            if (runs.Count > 0)
            {
                var stored = proxies.SelectMany(p => StoreCheck.Check(p.Value.DatabaseFile,
                    runs.Where(r => r.Target.Name == "imapproxy" && r.Target.Mode == p.Key))).ToList();
                SqliteConnection.ClearAllPools();
                report.Store(stored);
            }
        }
        finally
        {
            foreach (var reference in references) await reference.KillAsync();
            foreach (var proxy in proxies.Values) await proxy.DisposeAsync();
        }
    }

    private Task<ProxyProcess> StartProxyAsync(string work, string name, Mode mode, DovecotServer dovecot, string upstreamCa, CancellationToken ct,
        string upstreamHost = ProxyProcess.UpstreamName) =>
        ProxyProcess.StartAsync(options.ProxyDll, Path.Combine(work, name), mode, mode == Mode.Plaintext ? dovecot.ImapPort : dovecot.ImapsPort,
            upstreamCa, options.ProxyEnvironment, upstreamHost, ct);

    /// <summary>The TLS each client leg negotiated, since the cipher decides much of the TLS figures.</summary>
    private async Task PrintTlsAsync(IEnumerable<Target> targets, CancellationToken ct)
    {
        foreach (var target in targets.Where(t => t.Tls))
        {
            await using var client = await RawImapClient.ConnectAsync(target.Port, tls: true, RawImapClient.SmallBufferSize, ct);
            output.WriteLine($"client leg to {target.Name} (tls): {client.Tls}");
            await client.LogoutAsync(ct);
        }
        output.WriteLine();
    }

    private void Progress(string message) => Console.Error.WriteLine($"[relay-bench {clock.Elapsed:mm\\:ss}] {message}");

    private static string Name(Mode mode) => mode == Mode.Plaintext ? "plaintext" : "tls";

    private static string Describe(IReadOnlyDictionary<string, string> environment) =>
        environment.Count == 0 ? "" : " with " + string.Join(" ", environment.Select(e => $"{e.Key}={e.Value}"));

    private static string CpuModel()
    {
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "unknown CPU" : line[(line.IndexOf(':') + 1)..].Trim();
    }

    private static string Versions()
    {
        var dovecot = FirstLine("dovecot", "--version");
        var socat = FirstLine("socat", "-V").Split('\n').FirstOrDefault(l => l.Contains("socat version")) ?? "";
        return $"Dovecot {dovecot}, {socat.Trim()}, .NET {Environment.Version}";
    }

    private static string FirstLine(string file, string argument)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, argument) { RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5000);
            return file == "socat" ? text : text.Split('\n')[0].Trim();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "?";
        }
    }
}
