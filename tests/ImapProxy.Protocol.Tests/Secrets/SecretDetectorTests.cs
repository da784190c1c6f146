using System.Text;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Secrets;

namespace ImapProxy.Protocol.Tests.Secrets;

public class SecretDetectorTests
{
    private readonly SecretDetector detector = new(ImapParserOptions.Default);

    [Fact]
    public void LoginQuotedPassword_IsOverwrittenInsideItsQuotes()
    {
        var frame = Line("a1 LOGIN alice \"s3cret\"\r\n");

        detector.RedactCommand(frame, 0, "LOGIN");

        Assert.Equal("a1 LOGIN alice \"******\"\r\n", Text(frame));
        Assert.Equal([new ByteRange(16, 6)], frame.Redactions);
    }

    [Fact]
    public void LoginAtomPassword_IsOverwritten()
    {
        var frame = Line("a1 LOGIN alice s3cret\r\n");

        detector.RedactCommand(frame, 0, "LOGIN");

        Assert.Equal("a1 LOGIN alice ******\r\n", Text(frame));
        Assert.Equal([new ByteRange(15, 6)], frame.Redactions);
    }

    [Fact]
    public void LoginPasswordLiteral_IsASecretLiteral()
    {
        var frame = Line("a1 LOGIN alice {6}\r\n");

        Assert.True(detector.IsSecretLiteral(frame, "LOGIN"));
        Assert.Equal("a1 LOGIN alice {6}\r\n", Text(frame));
    }

    [Fact]
    public void LoginUserNameLiteral_IsNotASecretLiteral()
    {
        Assert.False(detector.IsSecretLiteral(Line("a1 LOGIN {5}\r\n"), "LOGIN"));
    }

    [Fact]
    public void AuthenticatePlainResponse_IsOverwritten_AndItsUserKept()
    {
        detector.RedactCommand(Line("a1 AUTHENTICATE PLAIN\r\n"), 0, "AUTHENTICATE");
        var response = Line("AGFsaWNlAHMzY3JldA==\r\n"); // base64 of "\0alice\0s3cret"

        detector.RedactSaslResponse(response);

        Assert.Equal("********************\r\n", Text(response));
        Assert.Equal([new ByteRange(0, 20)], response.Redactions);
        Assert.Equal("alice", detector.User);
        Assert.True(detector.SaslResponseIsSecret(cancel: false));
    }

    [Fact]
    public void AuthenticatePlainInitialResponse_IsOverwritten_AndItsUserKept()
    {
        var frame = Line("a1 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldA==\r\n");

        detector.RedactCommand(frame, 0, "AUTHENTICATE");

        Assert.Equal("a1 AUTHENTICATE PLAIN ********************\r\n", Text(frame));
        Assert.Equal("alice", detector.User);
    }

    [Theory]
    // RFC 7628 §3.1: the user is the gs2-header's a=, with "=2C" and "=3D" for "," and "=" (RFC 5801 §5).
    [InlineData("OAUTHBEARER", "bixhPWFsPTJDaWNlPTNEeEBleGFtcGxlLmNvbSwBaG9zdD1pbWFwLmV4YW1wbGUuY29tAWF1dGg9QmVhcmVyIHRvawEB", "al,ice=x@example.com")]
    [InlineData("OAUTHBEARER", "biwsAWF1dGg9QmVhcmVyIHRvawEB", null)] // no a=: the user is the token's
    [InlineData("oauthbearer", "bixhPWJvYgE=", null)] // a= not closed by ","
    [InlineData("XOAUTH2", "dXNlcj1jYXJvbAFhdXRoPUJlYXJlciB0AQE=", "carol")]
    [InlineData("XOAUTH2", "YXV0aD1CZWFyZXIgdAEB", null)] // no user=
    [InlineData("XOAUTH2", "dXNlcj1kYW4=", null)] // user= not closed by ^A
    [InlineData("PLAIN", "YWxpY2Utbm8tbnVs", null)] // no NUL
    [InlineData("PLAIN", "AG9ubHktb25lLW51bA==", null)] // one NUL: no password after the user
    public void SaslInitialResponses_AreOverwritten_AndTheirUserKeptWhereTheMechanismNamesOne(string mechanism, string response, string? user)
    {
        var frame = Line($"a1 AUTHENTICATE {mechanism} {response}\r\n");

        detector.RedactCommand(frame, 0, "AUTHENTICATE");

        Assert.Equal($"a1 AUTHENTICATE {mechanism} {new string('*', response.Length)}\r\n", Text(frame));
        Assert.Equal(user, detector.User);
    }

    [Fact]
    public void AuthenticateInitialResponseLiteral_IsASecretLiteral_AndItsUserKept()
    {
        var frame = Line("a1 AUTHENTICATE PLAIN {24}\r\n");

        Assert.True(detector.IsSecretLiteral(frame, "AUTHENTICATE"));
        detector.OnSecretLiteral("AGltYXB1c2VyAHBhc3N3b3Jk"u8, "AUTHENTICATE"); // "\0imapuser\0password"

        Assert.Equal("imapuser", detector.User);
    }

    [Fact]
    public void AuthenticateLoginUserName_StaysVisible_ButThePasswordIsOverwritten()
    {
        detector.RedactCommand(Line("a1 AUTHENTICATE LOGIN\r\n"), 0, "AUTHENTICATE");
        var user = Line("YWxpY2U=\r\n"); // "alice"
        var password = Line("czNjcmV0\r\n"); // "s3cret"

        detector.RedactSaslResponse(user);
        var userIsSecret = detector.SaslResponseIsSecret(cancel: false);
        detector.RedactSaslResponse(password);

        Assert.Equal("YWxpY2U=\r\n", Text(user));
        Assert.False(userIsSecret);
        Assert.Equal("********\r\n", Text(password));
        Assert.True(detector.SaslResponseIsSecret(cancel: false));
        Assert.Equal("alice", detector.User);
    }

    [Fact]
    public void SaslCancel_IsNotASecret()
    {
        detector.RedactCommand(Line("a1 AUTHENTICATE PLAIN\r\n"), 0, "AUTHENTICATE");
        var cancel = Line("*\r\n");

        detector.RedactSaslResponse(cancel);

        Assert.Equal("*\r\n", Text(cancel));
        Assert.Empty(cancel.Redactions);
        Assert.False(detector.SaslResponseIsSecret(cancel: true));
    }

    [Fact]
    public void OtherCommands_AreLeftAlone()
    {
        var frame = Line("a1 SELECT s3cret\r\n");

        detector.RedactCommand(frame, 0, "SELECT");

        Assert.False(detector.IsSecretLiteral(Line("a1 SELECT {6}\r\n"), "SELECT"));
        Assert.Equal("a1 SELECT s3cret\r\n", Text(frame));
        Assert.Empty(frame.Redactions);
    }

    [Fact]
    public void LoginPassword_IsKeptWhenRedactionIsOff()
    {
        var off = new SecretDetector(ImapParserOptions.Default with { RedactSecrets = false });
        var frame = Line("a1 LOGIN alice s3cret\r\n");

        off.RedactCommand(frame, 0, "LOGIN");

        Assert.Equal("a1 LOGIN alice s3cret\r\n", Text(frame));
        Assert.False(off.IsSecretLiteral(Line("a1 LOGIN alice {6}\r\n"), "LOGIN"));
    }

    /// <summary>A one-line client frame at stream offset 0, as the framer hands it over.</summary>
    private static FrameContent Line(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var frame = new FrameContent(Direction.Client, 0) { Line = bytes, LineLength = bytes.Length, ContentLength = bytes.Length - 2 };
        frame.AddSegment(0, 0);
        return frame;
    }

    private static string Text(FrameContent frame) => Encoding.ASCII.GetString(frame.Line, 0, frame.LineLength);
}
