using System.Text.Json;
using ImapProxy.Tests.Support;

namespace ImapProxy.Tests.Cli;

/// <summary><c>imapproxy parse</c>: one JSON object per frame; malformed input is data, unreadable input exits 1.</summary>
public sealed class ParseVerbTests : IDisposable
{
    private readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("imapproxy-parse-");

    [Fact]
    public async Task OneDirection_PrintsAJsonObjectPerFrame_MalformedIncluded()
    {
        var file = Path.Combine(temp.FullName, "client.bin");
        await File.WriteAllTextAsync(file, "a1 LOGIN alice \"pw\"\r\n\u0001\u0002 garbage\r\na2 SELECT INBOX\r\n");

        var (exitCode, output) = await Support.Cli.RunAsync("parse", "--from", "client", file);

        Assert.Equal(0, exitCode);
        var frames = output.TrimEnd().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["command", "malformed", "command"], frames.Select(f => f.GetProperty("kind").GetString()));
        Assert.Equal("a2", frames[2].GetProperty("tag").GetString());
        Assert.Equal(0, frames[0].GetProperty("offset").GetInt64());
        Assert.All(frames, f => Assert.Equal("client", f.GetProperty("direction").GetString()));
        Assert.DoesNotContain("\"pw\"", output);
    }

    [Fact]
    public async Task RawlogPair_IsInterleaved()
    {
        var baseName = Path.Combine(temp.FullName, "session");
        await File.WriteAllTextAsync(baseName + ".in", "1795000000.000100 b SELECT INBOX\r\n1795000000.000300 c LOGOUT\r\n");
        await File.WriteAllTextAsync(baseName + ".out",
            "1795000000.000000 a OK [CAPABILITY IMAP4rev1] Logged in\r\n1795000000.000200 * 2 EXISTS\r\n1795000000.000200 b OK [READ-WRITE] Select completed\r\n" +
            "1795000000.000400 * BYE Logging out\r\n1795000000.000400 c OK Logout completed\r\n");

        var (exitCode, output) = await Support.Cli.RunAsync("parse", "--rawlog", baseName);

        Assert.Equal(0, exitCode);
        var frames = output.TrimEnd().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var tags = frames.Where(f => f.TryGetProperty("tag", out _)).Select(f => $"{f.GetProperty("direction").GetString()![0]}:{f.GetProperty("tag").GetString()}");
        Assert.Equal(["s:a", "c:b", "s:b", "c:c", "s:c"], tags);
        Assert.DoesNotContain("diagnostics", output);
    }

    [Theory]
    [InlineData("--from client /nonexistent/file", 1, "cannot read /nonexistent/file")]
    [InlineData("--rawlog /nonexistent/base", 1, "cannot read /nonexistent/base.in")]
    [InlineData("--from sideways file", 2, "--from: 'sideways' is not one of client|server")]
    [InlineData("--from client", 2, "expected --from client|server FILE or --rawlog BASE")]
    [InlineData("--rawlog base --from client file", 2, "expected --from client|server FILE or --rawlog BASE")]
    public async Task BadInput_IsOneLine_WithItsExitCode(string args, int expectedExit, string message)
    {
        var (exitCode, output) = await Support.Cli.RunAsync(["parse", .. args.Split(' ')]);

        Assert.Equal(expectedExit, exitCode);
        Assert.Contains(message, output);
        Assert.Single(output.TrimEnd().Split('\n'));
    }

    public void Dispose() => temp.Delete(recursive: true);
}
