using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Secrets;

/// <summary>
/// Finds the secrets in what the client sends and overwrites them in place with <see cref="Redaction.RawFill"/>
/// (same length, so offsets stay valid), recording their stream ranges in the frame: LOGIN's password
/// (RFC 3501 §6.2.3), AUTHENTICATE's initial response (RFC 4959 §3) and the SASL responses that follow
/// (RFC 3501 §6.2.2). The SASL user name is read on the way so it can stay visible. MailKit's ProtocolLogger
/// hides the same things, and keeps its secret detector apart from its protocol logic in the same way.
/// </summary>
/// <remarks>The caller says which command a frame belongs to and whether a line is a SASL response; this type
/// only follows the SASL exchange in progress.</remarks>
internal sealed class SecretDetector(ImapParserOptions options)
{
    private string? mechanism;
    private int step;

    /// <summary>The user name read from the SASL exchange in progress, when its mechanism carries one.</summary>
    public string? User { get; private set; }

    /// <summary>
    /// At a literal header of <paramref name="command"/>: whether the literal's body is a secret. That is the second
    /// argument of LOGIN (the password) or AUTHENTICATE (the initial response), which a literal header in second
    /// place announces.
    /// </summary>
    public bool IsSecretLiteral(FrameContent frame, string? command)
    {
        if (!options.RedactSecrets || command is not ("LOGIN" or "AUTHENTICATE")) return false;
        var arguments = CommandParser.ReadArguments(frame, options.MaxNestingDepth);
        if (arguments.Count != 2) return false;
        if (command == "AUTHENTICATE") BeginSasl(arguments[0].AsText() ?? "");
        return true;
    }

    /// <summary>A secret literal's body is complete: an AUTHENTICATE initial response gives the user name.</summary>
    public void OnSecretLiteral(ReadOnlySpan<byte> body, string? command)
    {
        if (command != "AUTHENTICATE" || mechanism is null || SaslUser.DecodeBase64(body) is not { } decoded) return;
        User = SaslUser.Extract(mechanism, decoded, 0);
        step = 1;
    }

    /// <summary>Overwrites the secrets in a segment of a <paramref name="command"/> line, from
    /// <paramref name="segmentStart"/> on (earlier segments were done when they ended).</summary>
    public void RedactCommand(FrameContent frame, int segmentStart, string? command)
    {
        if (!options.RedactSecrets) return;
        switch (command)
        {
            case "LOGIN":
                RedactLoginPassword(frame, segmentStart);
                return;
            case "AUTHENTICATE":
                RedactInitialResponse(frame);
                return;
        }
    }

    /// <summary>Overwrites a SASL client response line, unless it is the cancelling "*" or not secret in its mechanism.</summary>
    public void RedactSaslResponse(FrameContent frame)
    {
        if (!options.RedactSecrets) return;
        var line = frame.Line.AsSpan(0, frame.ContentLength);
        if (line.SequenceEqual("*"u8)) return;
        if (mechanism is not null && SaslUser.DecodeBase64(line) is { } decoded)
            User ??= SaslUser.Extract(mechanism, decoded, step);
        if (SaslUser.IsSecret(mechanism ?? "", step)) Overwrite(frame, 0, frame.ContentLength);
    }

    /// <summary>A SASL response line was read: whether its text must be shown as <see cref="Redaction.Marker"/>.
    /// The next response is the exchange's next step.</summary>
    public bool SaslResponseIsSecret(bool cancel)
    {
        var secret = !cancel && options.RedactSecrets && SaslUser.IsSecret(mechanism ?? "", step);
        step++;
        return secret;
    }

    /// <summary>
    /// Overwrites what could be a secret in a segment that will never be complete, from where a secret could start
    /// to the segment's end: in a SASL response all of it (RFC 3501 §6.2.2), in LOGIN the password (§6.2.3), in
    /// AUTHENTICATE the initial response (RFC 4959 §3), and when the line is too short to tell, nothing yet.
    /// Returns true when the line's unread rest could hold a secret.
    /// </summary>
    public bool RedactUnfinished(FrameContent frame, int segmentStart, bool saslResponse)
    {
        if (!options.RedactSecrets) return false;
        var secretStart = saslResponse ? SaslUser.IsSecret(mechanism ?? "", step) ? 0 : (int?)null : UnfinishedCommandSecretStart(frame);
        if (secretStart is not { } start) return false;
        Overwrite(frame, Math.Max(start, segmentStart), frame.ContentLength);
        return true;
    }

    /// <summary>Where a secret could start in an unfinished command line: null when it cannot hold one.</summary>
    private int? UnfinishedCommandSecretStart(FrameContent frame)
    {
        var reader = new FrameReader(frame, options.MaxNestingDepth);
        reader.ReadWord();
        if (!reader.SkipSpace()) return reader.AtEnd ? frame.ContentLength : null;
        var name = reader.ReadWord().ToUpperInvariant();
        if (!reader.SkipSpace())
            return CouldBe("LOGIN", name, reader.AtEnd) || CouldBe("AUTHENTICATE", name, reader.AtEnd) ? frame.ContentLength : null;
        if (name is not ("LOGIN" or "AUTHENTICATE")) return null;

        var argumentsStart = reader.Position;
        var arguments = reader.ReadValuesToEnd();
        // The second argument is the secret: the password, or the initial response. One sent as a literal is
        // overwritten as its body streams (IsSecretLiteral).
        return arguments.Count switch
        {
            0 => argumentsStart,
            // The second argument has not begun, or cannot be read yet (an unclosed quoted string).
            1 => StartOfNextValue(frame, arguments[0].End),
            _ when arguments[1] is ImapString { Literal: not null } => null,
            _ => StartOfNextValue(frame, arguments[1].Start),
        };
    }

    /// <summary>The first byte of a value from <paramref name="position"/> on, after spaces and an opening quote,
    /// which are kept as in <see cref="RedactLoginPassword"/>.</summary>
    private static int StartOfNextValue(FrameContent frame, int position)
    {
        var content = frame.Content;
        while (position < content.Length && content[position] == (byte)' ') position++;
        return position < content.Length && content[position] == (byte)'"' ? position + 1 : position;
    }

    private void RedactLoginPassword(FrameContent frame, int segmentStart)
    {
        var arguments = CommandParser.ReadArguments(frame, options.MaxNestingDepth);
        // A password sent as a literal is overwritten as its body streams (IsSecretLiteral); one in an earlier
        // segment was overwritten when that segment ended.
        if (arguments.Count < 2 || arguments[1] is not { Start: var start, End: var end } password
            || password is ImapString { Literal: not null } || start < segmentStart) return;
        if (password is ImapString) (start, end) = (start + 1, end - 1); // keep the quotes
        Overwrite(frame, start, end);
    }

    private void RedactInitialResponse(FrameContent frame)
    {
        var arguments = CommandParser.ReadArguments(frame, options.MaxNestingDepth);
        // An initial response sent as a literal was handled when the literal ended (OnSecretLiteral).
        if (arguments.Count >= 2 && arguments[1] is ImapString { Literal: not null }) return;
        BeginSasl(arguments.Count > 0 ? arguments[0].AsText() ?? "" : "");
        if (arguments.Count < 2 || arguments[1] is not ImapAtom initial) return;
        var bytes = frame.Line.AsSpan(initial.Start, initial.End - initial.Start);
        // RFC 4959 §3: "=" is an empty initial response.
        if (!bytes.SequenceEqual("="u8) && SaslUser.DecodeBase64(bytes) is { } decoded)
            User = SaslUser.Extract(mechanism!, decoded, 0);
        step = 1;
        Overwrite(frame, initial.Start, initial.End);
    }

    /// <summary>Whether a command name read from a line cut short is <paramref name="command"/>, or could be: the
    /// line ended inside a name that begins it.</summary>
    public static bool CouldBe(string command, string name, bool lineEnded) =>
        lineEnded ? command.StartsWith(name, StringComparison.Ordinal) : name == command;

    /// <summary>A SASL exchange whose AUTHENTICATE line was too long to read: every response is taken as secret.</summary>
    public void BeginUnreadSasl() => BeginSasl("");

    private void BeginSasl(string saslMechanism)
    {
        mechanism = saslMechanism;
        step = 0;
        User = null;
    }

    private static void Overwrite(FrameContent frame, int start, int end)
    {
        if (end <= start) return;
        frame.Line.AsSpan(start, end - start).Fill(Redaction.RawFill);
        frame.Redactions.Add(new ByteRange(frame.StreamOffsetOf(start), end - start));
    }
}
