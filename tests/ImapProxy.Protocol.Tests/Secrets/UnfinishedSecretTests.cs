namespace ImapProxy.Protocol.Tests.Secrets;

/// <summary>
/// Secrets in client bytes the parser cannot read the usual way: held for a server answer that never comes,
/// cut off by the end of the session, or on a line over the line limit. They are redacted by what they could be.
/// </summary>
public class UnfinishedSecretTests
{
    private const string Greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN SASL-IR] ready\r\n";
    private const string PlainResponse = "AGFsaWNlAHNlY3JldA=="; // "\0alice\0secret" (RFC 4616)

    [Fact]
    public void AuthenticatePlainResponse_SentBeforeAContinuationThatNeverCame_IsRedacted()
    {
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", "a1 AUTHENTICATE PLAIN\r\n"), ("C", PlainResponse + "\r\n")));

        AssertRedacted(session, "a1 AUTHENTICATE PLAIN\r\n" + PlainResponse + "\r\n", PlainResponse, "secret");
        Assert.Contains(session.Frames, f => f is ClientLineFrame { LineKind: ClientLineKind.AuthenticateResponse, Text: Redaction.Marker });
    }

    [Fact]
    public void AuthenticatePlainResponse_HeldPastTheHoldLimit_IsRedacted()
    {
        var options = ImapParserOptions.Default with { MaxHeldClientBytes = 8 };
        var session = ParsedSession.Run(
            Transcript.Of(("S", Greeting), ("C", "a1 AUTHENTICATE PLAIN\r\n"), ("C", PlainResponse + "\r\n"), ("S", "+ \r\na1 OK done\r\n")),
            options: options);

        AssertRedacted(session, "a1 AUTHENTICATE PLAIN\r\n" + PlainResponse + "\r\n", PlainResponse, "secret");
    }

    [Fact]
    public void AuthenticatePlainResponse_BeforeTheServerRefusesTheMechanism_IsRedacted()
    {
        var session = ParsedSession.Run(Transcript.Of(
            ("S", Greeting), ("C", "a1 AUTHENTICATE PLAIN\r\n"), ("C", PlainResponse + "\r\na2 NOOP\r\n"),
            ("S", "a1 NO [ALERT] not now\r\na2 OK done\r\n")));

        AssertRedacted(session, "a1 AUTHENTICATE PLAIN\r\n" + PlainResponse + "\r\na2 NOOP\r\n", PlainResponse, "secret");
        Assert.Equal("a2", session.Frames.OfType<ResponseFrame>().Last().Completes?.Tag);
    }

    [Fact]
    public void SaslInitialResponse_ToAMuteServer_IsRedacted()
    {
        var client = $"a1 AUTHENTICATE PLAIN {PlainResponse}\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", client)));

        AssertRedacted(session, client, PlainResponse, "secret");
    }

    [Fact]
    public void AuthenticateLoginPassword_SentBeforeAnyContinuation_IsRedacted_AndTheUserNameKept()
    {
        // RFC 4616 is PLAIN; AUTHENTICATE LOGIN sends the user name, then the password, each as its own line.
        var client = "a1 AUTHENTICATE LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\n"; // "alice", "secret"
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", client)));

        AssertRedacted(session, client, "c2VjcmV0", "secret");
        Assert.Contains("YWxpY2U=", session.ClientText);
    }

    [Fact]
    public void SessionEndingInsideALoginPassword_RedactsWhatArrived()
    {
        var client = "a1 LOGIN alice \"secr";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", client)));

        AssertRedacted(session, client, "secr");
        Assert.StartsWith("a1 LOGIN alice \"", session.ClientText);
    }

    [Theory]
    [InlineData("a1 LOGIN alice \"secret-password-that-is-long\"\r\n")]
    [InlineData("a1 LOGIN alice secret-password-that-is-long\r\n")]
    [InlineData("a1 LOGIN \"a-user-name-past-the-limit\" secret-password-that-is-long\r\n")]
    [InlineData("a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldC1wYXNzd29yZC10aGF0LWlzLWxvbmc=\r\n")]
    public void LoginOrInitialResponse_OnALineOverTheLimit_IsRedacted(string client)
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 24 };
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", client), ("S", "a1 NO too long\r\n"), ("C", "a2 NOOP\r\n")),
            options: options);

        AssertRedacted(session, client + "a2 NOOP\r\n", "password", "c3N3b3Jk", "secret");
        Assert.Contains(session.Frames, f => f is MalformedFrame { Redactions: not null });
    }

    [Fact]
    public void SessionEndingInAnOverlongLine_PassesEachByteOnce()
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 16 };
        var client = "a1 LOGIN alice secret-password";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", client)), options: options);

        AssertRedacted(session, client, "password", "secret");
    }

    [Fact]
    public void AnUnquotedPasswordCutByTheLineLimit_IsRedactedFromItsFirstByte()
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 24 };
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", "a1 LOGIN alice hunter2hunter2hunter2\r\n")), options: options);

        Assert.StartsWith("a1 LOGIN alice *********", session.ClientText);
    }

    [Fact]
    public void ATagPastTheLineLimit_RedactsTheRest_SinceALoginCouldFollowIt()
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 16 };
        var client = "a1234567890123456789 LOGIN alice secret\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", client)), options: options);

        AssertRedacted(session, client, "secret");
    }

    [Fact]
    public void ALongCommandThatIsNotLogin_CutInsideItsName_KeepsItsRestVisible()
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 16 };
        var client = "a1 XAPPLEPUSHSERVICE aps-version 2\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", client)), options: options);

        Assert.Equal(client, session.ClientText);
    }

    [Fact]
    public void ALiteralPasswordOfMegabytes_IsStarredThroughout()
    {
        // Stars go out in pieces: every offset stays in order (ParsedSession checks it) and none of the password shows.
        var password = new string('p', 3 * 1024 * 1024);
        var header = $"a1 LOGIN alice {{{password.Length}}}\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", header), ("S", "+ \r\n"), ("C", password + "\r\n"), ("S", "a1 NO no\r\n")));

        Assert.Equal(header.Length + password.Length + 2, session.ClientBytes.Length);
        Assert.Equal(new string('*', password.Length), session.ClientText.Substring(header.Length, password.Length));
    }

    /// <summary>
    /// A LOGIN line over the line limit ending in a password literal after a long quoted user name: the body is the
    /// password, skipped and starred with the line, and the next line is the next command. The quotes are counted
    /// over the whole line, not its last bytes, which begin inside the name. Inside a quoted string a backslash
    /// escapes the next byte (RFC 3501 §9, quoted-specials): an escaped quote does not end the string, an escaped
    /// backslash does not escape the quote after it. Counted wrong, the password literal's header would look quoted
    /// (text) and its body would be read as the next command, in clear.
    /// </summary>
    [Theory]
    [InlineData("a-user-name-far-past-the-line-limit-of-this-test")]
    [InlineData("a-user-\\\"-with-an-escaped-quote-far-past-the-line-limit")]
    [InlineData("a-user-with-an-escaped-backslash-far-past-the-line-limit\\\\")]
    public void ALongLoginLine_EndingInAPasswordLiteral_SkipsThePasswordWithIt(string user)
    {
        AssertLongLoginSkipsTheBody($"a1 LOGIN \"{user}\" {{6}}\r\n", "secret\r\n", "secret");
    }

    /// <summary>A literal may hold any byte but NUL (RFC 3501 §4.3), CRLF too: the body of the password literal is skipped
    /// by its length, not up to the next line end, or the password's second line would be read as a command, in clear.</summary>
    [Fact]
    public void ALongLoginLine_EndingInAPasswordLiteralWithALineBreakInIt_SkipsAllOfTheBody()
    {
        AssertLongLoginSkipsTheBody("a1 LOGIN \"a-user-name-far-past-the-line-limit-of-this-test\" {10}\r\n", "pass\r\nword\r\n", "pass", "word");
    }

    /// <summary>A literal header ending in a bare LF is still a header (RFC 3501 §2.2 asks CRLF; the parser tolerates LF
    /// everywhere, as on short lines): at the end of a long LOGIN line its body is the password, skipped with the line.</summary>
    [Fact]
    public void ALongLoginLine_EndingInAPasswordLiteralHeaderWithABareLf_SkipsThePasswordWithIt()
    {
        AssertLongLoginSkipsTheBody("a1 LOGIN \"a-user-name-far-past-the-line-limit-of-this-test\" {6}\n", "secret\r\n", "secret");
    }

    /// <summary>With a line limit of 24, <paramref name="header"/> (a long LOGIN line ending in a password literal's
    /// header), then the body after the server's "+": the secrets never show, and a2 NOOP is the one command read.</summary>
    private static void AssertLongLoginSkipsTheBody(string header, string body, params string[] secrets)
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 24 };
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", header), ("S", "+ \r\n"), ("C", body + "a2 NOOP\r\n"),
            ("S", "a1 NO too long\r\na2 OK\r\n")), options: options);

        AssertRedacted(session, header + body + "a2 NOOP\r\n", secrets);
        Assert.Equal("a2", Assert.Single(session.Frames.OfType<CommandFrame>()).Tag);
    }

    /// <summary>An empty password literal ("{0}", RFC 3501 §4.3: zero octets follow) on a long LOGIN line: the command
    /// goes on after it, to the CRLF that ends it, as on a short line; that CRLF is not a command of its own.</summary>
    [Theory]
    [InlineData(24)]
    [InlineData(1000)]
    public void ALoginLine_EndingInAnEmptyPasswordLiteral_EndsAtTheLineAfterIt(int maxLineLength)
    {
        var options = ImapParserOptions.Default with { MaxLineLength = maxLineLength };
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", "a1 LOGIN \"a-user-name-far-past-the-line-limit-of-this-test\" {0}\r\n"),
            ("S", "+ \r\n"), ("C", "\r\na2 NOOP\r\n"), ("S", "a1 NO bad\r\na2 OK\r\n")), options: options);

        var client = session.Frames.Where(f => f.Direction == Direction.Client).ToList();
        Assert.Equal(2, client.Count);
        Assert.Equal(client[0].Offset + client[0].Length, client[1].Offset);
        Assert.Equal("a2", Assert.IsType<CommandFrame>(client[1]).Tag);
    }

    /// <summary>A quoted string cannot hold a line break (RFC 3501 §9): a line that ends inside one ends there, and a
    /// "{6}" inside it is text, not a literal header, on a long line as on a short one; the next line is the next command.</summary>
    [Theory]
    [InlineData(16)]
    [InlineData(1000)]
    public void ALoginLine_EndingInsideAQuotedString_AnnouncesNoLiteral(int maxLineLength)
    {
        var options = ImapParserOptions.Default with { MaxLineLength = maxLineLength };
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", "a1 LOGIN alice \"a-password-that-is-not-closed {6}\r\na2 NOOP\r\n")),
            options: options);

        Assert.Contains(session.Frames.OfType<CommandFrame>(), c => c.Tag == "a2" && c.Name == "NOOP");
    }

    /// <summary>A password literal glued to the user literal's body, the space between them missing (RFC 3501 §6.2.3 has
    /// one): the header is still read as one, as the parser tolerates other missing spaces, and the password is redacted.</summary>
    [Fact]
    public void APasswordLiteral_GluedToTheUserLiteral_IsStillALiteral()
    {
        var client = "a1 LOGIN {5}\r\nalice{6}\r\nsecret\r\na2 NOOP\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", "a1 LOGIN {5}\r\n"), ("S", "+ \r\n"), ("C", "alice{6}\r\n"),
            ("S", "+ \r\n"), ("C", "secret\r\na2 NOOP\r\n"), ("S", "a1 OK\r\na2 OK\r\n")));

        AssertRedacted(session, client, "secret");
        Assert.Equal(["a1", "a2"], session.Frames.OfType<CommandFrame>().Select(c => c.Tag));
    }

    [Fact]
    public void ALoginPassword_BeforeAnExtraLiteralArgument_IsRedacted()
    {
        var client = "a1 LOGIN alice secret {3}\r\nxyz\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", "a1 LOGIN alice secret {3}\r\n"), ("S", "+ \r\n"), ("C", "xyz\r\n"),
            ("S", "a1 BAD three arguments\r\n")));

        AssertRedacted(session, client, "secret");
    }

    [Fact]
    public void WithRedactionOff_AnOverlongLoginLine_IsShownWhole()
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 16, RedactSecrets = false };
        var client = "a1 LOGIN alice secret-password\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", client)), options: options);

        Assert.Equal(client, session.ClientText);
        Assert.DoesNotContain(session.Frames, f => f.Redactions is not null);
    }

    [Fact]
    public void AuthenticateLoginUserName_CutByTheEndOfTheSession_IsShown()
    {
        // The LOGIN mechanism's first response is the user name, not a secret; the password is the second.
        var client = "a1 AUTHENTICATE LOGIN\r\nYWxpY2U";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", "a1 AUTHENTICATE LOGIN\r\n"), ("S", "+ VXNlcm5hbWU6\r\n"), ("C", "YWxpY2U")));

        Assert.Equal(client, session.ClientText);
    }

    [Fact]
    public void ACutLineWhoseTagIsNotFollowedByASpace_CannotBeALogin_AndIsShown()
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 16 };
        var client = "a1(" + new string('x', 40) + "\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", client)), options: options);

        Assert.Equal(client, session.ClientText);
    }

    /// <summary>An AUTHENTICATE line too long to read opens a SASL exchange of unknown mechanism, whose every response is
    /// secret, whatever an earlier, refused exchange (here LOGIN, whose first response is not secret) left behind.</summary>
    [Fact]
    public void AnUnreadAuthenticate_AfterARefusedOne_TakesEveryResponseAsSecret()
    {
        var options = ImapParserOptions.Default with { MaxLineLength = 24 };
        var longLine = "a1 AUTHENTICATE " + new string('X', 40) + "\r\n";
        var session = ParsedSession.Run(Transcript.Of(("S", Greeting), ("C", "a0 AUTHENTICATE LOGIN\r\n"), ("S", "a0 NO not here\r\n"),
            ("C", longLine), ("S", "+ \r\n"), ("C", "c2VjcmV0\r\n"), ("S", "a1 NO\r\n")), options: options);

        AssertRedacted(session, "a0 AUTHENTICATE LOGIN\r\n" + longLine + "c2VjcmV0\r\n", "c2VjcmV0");
    }

    /// <summary>Every client byte reached the sink once (<see cref="ParsedSession"/> checks the order) and no
    /// secret is in the raw bytes or the frames.</summary>
    private static void AssertRedacted(ParsedSession session, string client, params string[] secrets)
    {
        Assert.DoesNotContain(session.Frames, f => f is MalformedFrame m && m.Reason.StartsWith("internal", StringComparison.Ordinal));
        Assert.Equal(client.Length, session.ClientBytes.Length);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, session.ClientText, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, session.Json, StringComparison.Ordinal);
        }
        var input = System.Text.Encoding.ASCII.GetBytes(client);
        var redactions = session.Frames.SelectMany(f => f.Redactions ?? []).ToList();
        Assert.All(redactions, r => Assert.True(r.Length > 0, $"an empty redaction at {r.Offset}"));
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] == session.ClientBytes[i]) continue;
            Assert.True(session.ClientBytes[i] == Redaction.RawFill && redactions.Any(r => i >= r.Offset && i < r.Offset + r.Length),
                $"client byte {i} changed outside a redaction");
        }
    }
}
