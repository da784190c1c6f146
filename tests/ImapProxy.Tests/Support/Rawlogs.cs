using ImapProxy.TestSupport;

namespace ImapProxy.Tests.Support;

internal static class Rawlogs
{
    /// <summary>The base path (without .in/.out) of the finished rawlog of the session that sent <paramref name="marker"/>.</summary>
    public static async Task<string> WaitForRawlogAsync(this DovecotServer server, string user, string marker, CancellationToken ct)
    {
        var directory = server.RawlogDirectory(user);
        while (true)
        {
            foreach (var input in Directory.EnumerateFiles(directory, "*.in"))
            {
                var output = Path.ChangeExtension(input, ".out");
                // Dovecot writes the files as the session goes; the logout reply marks the end.
                if (File.ReadAllText(input).Contains(marker) && File.Exists(output) && File.ReadAllText(output).Contains("Logout completed"))
                    return Path.ChangeExtension(input, null);
            }
            await Task.Delay(20, ct);
        }
    }
}
