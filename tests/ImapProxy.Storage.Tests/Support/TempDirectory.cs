namespace ImapProxy.Storage.Tests.Support;

/// <summary>A fresh directory per test, removed afterwards.</summary>
/// <param name="under">A folder to make it in instead of the system's temporary one.</param>
internal sealed class TempDirectory(string? under = null) : IDisposable
{
    public string Path { get; } = under is null
        ? Directory.CreateTempSubdirectory("imapproxy-storage-tests-").FullName
        : Directory.CreateDirectory(System.IO.Path.Combine(under, $"imapproxy-storage-tests-{Guid.NewGuid():N}")).FullName;

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
