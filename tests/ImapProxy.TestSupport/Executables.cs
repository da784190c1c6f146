namespace ImapProxy.TestSupport;

/// <summary>Finds programs on PATH and in the sbin directories, which a test runner's PATH often lacks.</summary>
internal static class Executables
{
    private static readonly string[] SbinDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

    public static IReadOnlyList<string> DefaultSearchPath { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(SbinDirectories)
            .Distinct()
            .ToArray();

    public static string? Find(string name, IEnumerable<string>? searchPath = null)
    {
        foreach (var directory in searchPath ?? DefaultSearchPath)
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static string Require(string name) =>
        Find(name) ?? throw new InvalidOperationException($"'{name}' was not found on PATH or in {string.Join(", ", SbinDirectories)}");
}
