using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Replay.Client;

namespace ImapProxy.Replay.Tests.Client;

/// <summary>Credentials go where capture redacted them, in commands parsed from real capture events.</summary>
public class CredentialsTests
{
    private const Direction C = Direction.Client;
    private const Direction S = Direction.Server;

    [Theory]
    [InlineData("a1 LOGIN alice \"x\"\r\n", "pa\"ss\\word", "a1 LOGIN \"alice\" \"pa\\\"ss\\\\word\"\r\n", new string[0])]
    [InlineData("a1 LOGIN alice x\r\n", "pässword", "a1 LOGIN \"alice\" {9}\r\npässword\r\n", new string[0])]
    [InlineData("a1 AUTHENTICATE PLAIN AGFsaWNlAHg=\r\n", "secret", "a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n", new string[0])]
    [InlineData("a1 AUTHENTICATE LOGIN\r\n", "secret", "a1 AUTHENTICATE LOGIN\r\n", new[] { "YWxpY2U=\r\n", "c2VjcmV0\r\n" })]
    public async Task Secrets_AreRebuiltFromUserAndPassword(string captured, string password, string command, string[] lines)
    {
        using var recorded = new RecordedStore();
        var id = await recorded.RecordAsync([(S, "* OK ready\r\n"), (C, captured), (S, "a1 NO denied\r\n")]);
        var exchange = ReplayCheck.Check(recorded.Store, id).Session!.Exchanges.Single();

        var (sent, sentLines) = new Credentials("alice", password).Substitute(exchange, "a1")!.Value;

        Assert.Equal(command, Encoding.UTF8.GetString(sent));
        Assert.Equal(lines, sentLines.Select(l => Encoding.UTF8.GetString(l)));
    }
}
