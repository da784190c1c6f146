using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Shipping;

/// <summary>
/// What ships: <c>dotnet publish src/ImapProxy -c Release</c> into a folder of its own, once per test class, as a
/// user (or the Dockerfile) builds it. Tests run it from other directories.
/// </summary>
public sealed class PublishedBuild : IAsyncLifetime
{
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(8);

    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("imapproxy-published-");

    public string AppDirectory => Path.Combine(root.FullName, "app");

    public string Executable => Path.Combine(AppDirectory, "imapproxy");

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ImapProxy.sln"))) return dir.FullName;
            }
            throw new InvalidOperationException($"no ImapProxy.sln above {AppContext.BaseDirectory}");
        }
    }

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(BuildTimeout);
        var (code, output) = await ProcessRunner.RunAsync("dotnet",
            ["publish", Path.Combine(RepositoryRoot, "src", "ImapProxy"), "-c", "Release", "-o", AppDirectory, "--nologo"], BuildTimeout, cts.Token);
        if (code != 0) throw new InvalidOperationException($"dotnet publish failed ({code}):\n{output}");
    }

    public Task DisposeAsync()
    {
        root.Delete(recursive: true);
        return Task.CompletedTask;
    }
}
