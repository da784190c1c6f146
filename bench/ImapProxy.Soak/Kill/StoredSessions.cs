using System.Diagnostics;
using System.Text.Json;

namespace ImapProxy.Soak.Kill;

/// <summary>The fields of one line of <c>imapproxy sessions --json</c> that the kill part checks.</summary>
internal sealed record StoredSession(long Id, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? ClientAddress, string? CloseReason);

/// <summary>Lists a store through the published CLI, as a user would: <c>imapproxy sessions --data DIR --json</c>.</summary>
internal static class StoredSessions
{
    private const int Limit = 1_000_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <exception cref="InvalidOperationException">The CLI failed; the message has its exit code and error output.</exception>
    public static async Task<IReadOnlyList<StoredSession>> ListAsync(string proxyDll, string dataDirectory, CancellationToken ct)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { proxyDll, "sessions", "--data", dataDirectory, "--json", "--limit", Limit.ToString() }) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start imapproxy sessions");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"imapproxy sessions exited with {process.ExitCode}: {(await error).Trim()}");
        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<StoredSession>(line, Json) ?? throw new InvalidOperationException($"not a session: {line}"))
            .ToList();
    }
}
