using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Shipping;

/// <summary>What this machine can check of the container without a Docker engine (its layout is run by PublishedBuildTests).</summary>
public sealed class ContainerFilesTests
{
    [Fact]
    public void Dockerfile_RunsAsAnUnprivilegedUser_WithAHealthCheck()
    {
        var lines = ContainerFiles.Dockerfile.Split('\n').Select(l => l.Trim()).ToList();

        var user = lines.LastOrDefault(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.NotNull(user);
        Assert.DoesNotContain(user!.Split(' ')[1], new[] { "root", "0", "0:0" });
        // USER comes before the entry point, so the proxy itself runs unprivileged.
        Assert.True(lines.IndexOf(user) < lines.FindIndex(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("HEALTHCHECK", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ComposeFile_IsValid_AndPublishesOnLoopbackOnly()
    {
        if (!File.Exists("/usr/bin/docker-compose"))
            throw new InvalidOperationException("docker-compose is not installed: run `apt-get install docker-compose` (or ./test.sh, which installs it)");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var file = Path.Combine(PublishedBuild.RepositoryRoot, "docker-compose.yml");

        var (code, output) = await ProcessRunner.RunAsync("docker-compose", ["-f", file, "config"], TimeSpan.FromMinutes(1), cts.Token);

        Assert.True(code == 0, output);
        // docker-compose 1.29 writes ports as "- HOST_IP:HOST:CONTAINER/tcp".
        var published = output.Split('\n').Select(l => l.Trim()).Where(l => l.EndsWith("/tcp", StringComparison.Ordinal)).ToList();
        // The demo's proxy, then the postgres profile's two proxies (office-1, office-2); PostgreSQL itself publishes nothing.
        Assert.Equal([
            "- 127.0.0.1:1143:1143/tcp", "- 127.0.0.1:1993:1993/tcp", "- 127.0.0.1:5143:5143/tcp",
            "- 127.0.0.1:2143:1143/tcp", "- 127.0.0.1:2993:1993/tcp", "- 127.0.0.1:6143:5143/tcp",
            "- 127.0.0.1:3143:1143/tcp", "- 127.0.0.1:3993:1993/tcp", "- 127.0.0.1:7143:5143/tcp"], published);
        // The password reaches the proxies from the environment, never on their command line (which ps shows).
        Assert.DoesNotContain(output.Split('\n'), l => l.Contains("--store", StringComparison.Ordinal) && l.Contains("imapproxy-demo", StringComparison.Ordinal));
    }
}
