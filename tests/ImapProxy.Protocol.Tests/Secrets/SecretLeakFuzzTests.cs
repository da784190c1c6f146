namespace ImapProxy.Protocol.Tests.Secrets;

/// <summary>Whatever shape a login takes and however the session ends, no secret reaches the sink.</summary>
public class SecretLeakFuzzTests
{
    /// <summary>Shorter pieces of a secret than this may occur elsewhere by chance.</summary>
    private const int Window = 6;

    [Fact]
    public void GeneratedLoginSessions_LeaveNoSecretInBytesOrFrames_AndPassEachByteOnce()
    {
        var random = new Random(20260417);
        for (var round = 0; round < 4000; round++)
        {
            var session = AuthSessionShapes.Next(random);
            var below = random.Next(2) == 0 ? 8 : 200;
            var parsed = ParsedSession.Run(session.Steps, length => RandomChunks.Of(random, length, below), session.Options);
            var because = $"round {round}: {session.Shape}";

            // ParsedSession refuses a byte at any offset but the next one; inside Feed that shows as an internal error.
            Assert.False(parsed.Frames.Any(f => f is MalformedFrame m && m.Reason.StartsWith("internal", StringComparison.Ordinal)),
                $"{because}: a byte was passed on out of order\n{parsed.Json}");
            Assert.True(Fed(session, Direction.Client) == parsed.ClientBytes.Length, $"{because}: client bytes lost or repeated");
            Assert.True(Fed(session, Direction.Server) == parsed.ServerBytes.Length, $"{because}: server bytes lost or repeated");
            foreach (var stored in new[] { parsed.ClientText, parsed.Json })
            foreach (var secret in session.Secrets)
            {
                var leak = Pieces(secret).FirstOrDefault(p => stored.Contains(p, StringComparison.Ordinal));
                Assert.True(leak is null, $"{because}: '{leak}' of '{secret.Text}' stored\n{parsed.ClientText}\n{parsed.Json}");
            }
        }
    }

    private static int Fed(AuthSession session, Direction direction) =>
        session.Steps.Where(s => s.Direction == direction).Sum(s => s.Bytes.Length);

    private static IEnumerable<string> Pieces(SecretText secret)
    {
        for (var i = secret.SecretFrom; i + Window <= secret.Text.Length; i++) yield return secret.Text.Substring(i, Window);
    }
}
