using System.Text.Json;
using System.Text.RegularExpressions;
using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Shipping;

/// <summary>The Dockerfile and the compose file, checked as far as a machine without a Docker engine can.</summary>
internal static partial class ContainerFiles
{
    public static string Dockerfile => File.ReadAllText(Path.Combine(PublishedBuild.RepositoryRoot, "Dockerfile"));

    /// <summary>Runs the Dockerfile's HEALTHCHECK command, pointed at <paramref name="port"/> instead of the container's 5143.</summary>
    public static async Task<(int ExitCode, string Output)> RunHealthCheckAsync(int port, CancellationToken ct)
    {
        var match = HealthCheck().Match(Dockerfile.Replace("\\\n", " "));
        if (!match.Success) throw new InvalidOperationException("the Dockerfile has no HEALTHCHECK … CMD [\"…\"]");
        var command = JsonSerializer.Deserialize<string[]>(match.Groups[1].Value)!;
        var args = command.Skip(1).Select(a => a.Replace("/5143", $"/{port}", StringComparison.Ordinal));
        return await ProcessRunner.RunAsync(command[0], args, TimeSpan.FromSeconds(30), ct);
    }

    [GeneratedRegex(@"HEALTHCHECK[^\n]*?CMD (\[.*\])")]
    private static partial Regex HealthCheck();
}
