using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ImapProxy.RelayBench;
using Microsoft.Data.Sqlite;

namespace ImapProxy.Soak.Fuzz;

internal sealed record FuzzFailure(int Seed, string Plan, string Symptom);

internal sealed record FuzzResult(int Planned, int Played, int ServerDamaged, IReadOnlyList<FuzzFailure> Failures, TimeSpan Duration,
    long PeakRssKiB, bool ProxyAlive, int? ProxyExitCode, IReadOnlyDictionary<string, long> CloseReasons);

/// <summary>
/// Part 1: many damaged sessions through one published proxy (plaintext listener, <c>--upstream-tls none</c>) to
/// the <see cref="ScriptedServer"/>, a few at a time; each must relay byte-exact both ways, and the proxy must stay
/// up and keep accepting. Stops after the session count or the time budget, whichever comes first.
/// </summary>
internal sealed class FuzzPart(SoakOptions options, Action<string> progress)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);
    private const int ProgressEvery = 5000;
    private const int FailuresPrinted = 20;

    private readonly ConcurrentBag<FuzzFailure> failures = [];
    private int played;
    private int serverDamaged;

    public async Task<FuzzResult> RunAsync(string work, CancellationToken ct)
    {
        var scripts = BaseScripts.Load();
        progress($"fuzz: {scripts.Count} base scripts: {string.Join(", ", scripts.Select(s => s.Name))}");
        using var server = new ScriptedServer();
        // --upstream-ca must name a file; with --upstream-tls none it is never used.
        var (unusedCa, _) = Socat.WriteCertificate(work);
        using var probes = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var answering = server.AnswerProbesAsync(probes.Token);
        var proxy = await ProxyProcess.StartAsync(options.ProxyDll, Path.Combine(work, "fuzz"), Mode.Plaintext, server.Port, unusedCa,
            new Dictionary<string, string>(), ProxyProcess.UpstreamAddress, ct);
        await probes.CancelAsync();
        await answering;

        var stopwatch = Stopwatch.StartNew();
        int? exitCode = null;
        var alive = true;
        await using (proxy)
        {
            // Each session must pair its client connection with the upstream connection the proxy opens for it:
            // connecting and accepting happen one session at a time, the playing in parallel.
            using var pairing = new SemaphoreSlim(1, 1);
            var seeds = options.Replay is { } replay ? [replay] : Enumerable.Range(0, options.Sessions).Select(i => SessionPlan.SessionSeed(options.Seed, i));
            await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct },
                async (seed, token) =>
                {
                    if (!alive || stopwatch.Elapsed > options.FuzzBudget) return;
                    var plan = SessionPlan.Create(seed, scripts);
                    if (options.Replay is not null) progress($"fuzz: replaying seed {seed}: {plan}");
                    var symptom = await PlayAsync(plan, server, proxy, pairing, token);
                    if (proxy.Process.HasExited)
                    {
                        alive = false;
                        symptom = $"the proxy exited (see {proxy.Process.LogFile}){(symptom is null ? "" : $"; {symptom}")}";
                    }
                    Record(plan, symptom, stopwatch.Elapsed);
                });
            var peak = alive ? proxy.Process.PeakResidentKiB() : 0;
            if (alive)
            {
                alive = await AcceptsAsync(proxy, ct);
                exitCode = await proxy.Process.StopAsync();
            }
            var reasons = CloseReasons(proxy.DatabaseFile);
            var result = new FuzzResult(options.Replay is null ? options.Sessions : 1, played, serverDamaged, failures.OrderBy(f => f.Seed).ToList(),
                stopwatch.Elapsed, peak, alive, exitCode, reasons);
            return result;
        }
    }

    private static async Task<string?> PlayAsync(SessionPlan plan, ScriptedServer server, ProxyProcess proxy, SemaphoreSlim pairing, CancellationToken ct)
    {
        Stream? client = null, upstream = null;
        try
        {
            await pairing.WaitAsync(ct);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(ConnectTimeout);
                client = await ConnectAsync(proxy.PlainPort, timeout.Token);
                upstream = await server.AcceptAsync(timeout.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                return client is null ? $"the proxy did not accept the connection: {e.Message}" : "the proxy did not connect upstream";
            }
            finally
            {
                pairing.Release();
            }
            return await FuzzSession.PlayAsync(plan, client, upstream, ct);
        }
        finally
        {
            if (client is not null) await client.DisposeAsync();
            if (upstream is not null) await upstream.DisposeAsync();
        }
    }

    private static async Task<Stream> ConnectAsync(int port, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Record(SessionPlan plan, string? symptom, TimeSpan elapsed)
    {
        if (plan.MutatedSide == Protocol.Direction.Server) Interlocked.Increment(ref serverDamaged);
        if (symptom is not null)
        {
            failures.Add(new FuzzFailure(plan.Seed, plan.ToString(), symptom));
            if (failures.Count <= FailuresPrinted) progress($"fuzz: FAILED seed {plan.Seed}: {symptom}\n    {plan}");
        }
        var count = Interlocked.Increment(ref played);
        if (count % ProgressEvery == 0)
            progress($"fuzz: {count:N0} sessions, {failures.Count} failed, {count / elapsed.TotalSeconds:0} sessions/s");
    }

    /// <summary>After the last session: one more connection must be accepted (and relayed upstream, where nobody answers it).</summary>
    private static async Task<bool> AcceptsAsync(ProxyProcess proxy, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await using var client = await ConnectAsync(proxy.PlainPort, timeout.Token);
            return !proxy.Process.HasExited;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>How the stored sessions ended, from the stopped proxy's store: proxy-error would mean the relay itself failed.</summary>
    private static Dictionary<string, long> CloseReasons(string databaseFile)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databaseFile, Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(close_reason, '(open)'), count(*) FROM sessions GROUP BY 1 ORDER BY 2 DESC";
        using var reader = command.ExecuteReader();
        var reasons = new Dictionary<string, long>();
        while (reader.Read()) reasons[reader.GetString(0)] = reader.GetInt64(1);
        return reasons;
    }
}
