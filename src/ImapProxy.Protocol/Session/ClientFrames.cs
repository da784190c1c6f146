using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Secrets;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Session;

/// <summary>
/// Understands the client's frames: commands (registered by tag as soon as their first line is read), SASL
/// responses and IDLE's DONE, and which of their bytes are secrets.
/// </summary>
internal sealed class ClientFrames(DirectionStream client, Turn turn, TagTable tags, SessionModel model, SecretDetector secrets,
    ParserOutput output, ImapParserOptions options) : IFrameHandler
{
    /// <summary>The command being read, from its first line until it is dispatched.</summary>
    private PendingCommand? current;

    private bool ClientOnly => options.Directions == FedDirections.ClientOnly;

    public long Position => client.Position;

    /// <summary>The user read from the SASL exchange in progress (see <see cref="SecretDetector.User"/>).</summary>
    public string? SaslUser => secrets.User;

    public bool IsTextFrame(FrameContent frame)
    {
        // Without the server's continuation, a line with a space after an AUTHENTICATE response is the next command.
        if (turn.ContinuationAssumed && turn.ClientMode == ClientMode.AuthenticateResponse && frame.Content.Contains((byte)' '))
            turn.ReadCommands();
        if (turn.ClientMode != ClientMode.Command) return true;
        RegisterCommand(frame);
        return false;
    }

    public bool IsSecretLiteral(FrameContent frame) => secrets.IsSecretLiteral(frame, current?.Name);

    public void RedactSegment(FrameContent frame, int segmentStart)
    {
        switch (turn.ClientMode)
        {
            case ClientMode.AuthenticateResponse:
                secrets.RedactSaslResponse(frame);
                return;
            case ClientMode.Command:
                secrets.RedactCommand(frame, segmentStart, current?.Name);
                return;
        }
    }

    public bool RedactUnfinished(FrameContent frame, int segmentStart) =>
        secrets.RedactUnfinished(frame, segmentStart, saslResponse: turn.ClientMode == ClientMode.AuthenticateResponse);

    public void OnLiteralStarted(FrameContent frame, Literal literal)
    {
        CheckLiteralPlus(frame, literal);
        // RFC 3501 §7.5: the body of a synchronizing literal waits for the server's "+".
        if (!literal.NonSynchronizing && !ClientOnly) turn.Await(Awaited.Literal, current?.Tag);
    }

    public void OnSecretLiteral(ReadOnlySpan<byte> body) => secrets.OnSecretLiteral(body, current?.Name);

    public void OnFrameAbandoned(FrameContent frame)
    {
        current = null;
        // An AUTHENTICATE too long to read still opens a SASL exchange on the server (RFC 3501 §6.2.2): the lines
        // that answer its challenges are read as responses, all secret since its mechanism may not have been read.
        var reader = new FrameReader(frame, options.MaxNestingDepth);
        var tag = reader.ReadWord();
        if (tag.Length == 0 || !reader.SkipSpace() || !SecretDetector.CouldBe("AUTHENTICATE", reader.ReadWord().ToUpperInvariant(), reader.AtEnd)) return;
        secrets.BeginUnreadSasl();
        AwaitAnswer("AUTHENTICATE", tag);
    }

    public void OnFrame(FrameContent frame)
    {
        switch (turn.ClientMode)
        {
            case ClientMode.AuthenticateResponse:
                DispatchSaslResponse(frame);
                return;
            case ClientMode.IdleDone:
                turn.ReadCommands();
                model.Idle = false;
                if (System.Text.Ascii.EqualsIgnoreCase(frame.Content, "DONE"u8))
                {
                    output.Frame(ParserOutput.ClientLine(frame, ClientLineKind.IdleDone, "DONE", turn.Tag ?? ""));
                    output.StateIfChanged(Direction.Client, client.Position);
                    return;
                }
                if (!ClientOnly) frame.Report(Rules.ExpectedDone, 0);
                break;
        }
        DispatchCommand(frame);
    }

    /// <summary>The server refused a command while the client waited to send its literal (RFC 3501 §7.5):
    /// the command ends at the literal header, and what the client sends next is a new command.</summary>
    public void FinishRejectedCommand()
    {
        var frame = client.Frame;
        if (frame is null) return;
        frame.Literals.RemoveAt(frame.Literals.Count - 1);
        frame.LiteralLinePositions.RemoveAt(frame.LiteralLinePositions.Count - 1);
        var end = frame.LineLength;
        frame.ContentLength = end - (end >= 2 && frame.Line[end - 2] == (byte)'\r' ? 2 : 1);
        frame.Length = client.Position - frame.Offset;
        client.EndFrame();
        turn.Resume();
        DispatchCommand(frame, rejected: true);
    }

    /// <summary>At a command's first line: its tag is in progress from now on (RFC 3501 §2.2.1).</summary>
    private void RegisterCommand(FrameContent frame)
    {
        var reader = new FrameReader(frame, options.MaxNestingDepth);
        var tag = reader.ReadWord();
        if (tag.Length == 0 || !reader.SkipSpace()) return;
        var name = CommandParser.ReadName(reader);
        if (name.Length == 0) return;
        current = new PendingCommand(tag, name, frame.Offset);
        // Without the server's side nothing ever completes: a reused tag or a long queue is normal there.
        if (!tags.Add(current, out var evicted) && !ClientOnly) frame.Report(Rules.DuplicateTag, 0, tag);
        if (evicted && !ClientOnly) frame.Report(Rules.TooManyPendingCommands, 0);
    }

    /// <summary>RFC 7888: {n+} needs LITERAL+ or LITERAL- (then at most 4096 bytes).</summary>
    private void CheckLiteralPlus(FrameContent frame, Literal literal)
    {
        if (!literal.NonSynchronizing || model.Capabilities.Count == 0) return;
        var at = frame.LiteralLinePositions[^1] - 1;
        if (model.Has("LITERAL+")) return;
        if (!model.Has("LITERAL-")) frame.Report(Rules.NonSyncWithoutCapability, at);
        else if (literal.Length > 4096) frame.Report(Rules.LiteralMinusTooLarge, at, $"{literal.Length} bytes");
    }

    private void DispatchSaslResponse(FrameContent frame)
    {
        var cancel = frame.Content.SequenceEqual("*"u8);
        var text = secrets.SaslResponseIsSecret(cancel) ? Redaction.Marker : System.Text.Encoding.UTF8.GetString(frame.Content);
        if (!turn.ContinuationAssumed) turn.AwaitNextChallenge();
        output.Frame(ParserOutput.ClientLine(frame, cancel ? ClientLineKind.AuthenticateCancel : ClientLineKind.AuthenticateResponse,
            text, turn.Tag ?? "") with { User = secrets.User });
    }

    /// <param name="rejected">The server refused the command before its literal: its arguments end early.</param>
    private void DispatchCommand(FrameContent frame, bool rejected = false)
    {
        var command = current;
        current = null;
        var parsed = CommandParser.Parse(frame, options.MaxNestingDepth, secrets.User, rejected);
        if (parsed is null)
        {
            output.Frame(ParserOutput.Malformed(frame, frame.Offset + frame.Length, "not a command (expected: tag SP command)", frame.Content));
            return;
        }
        if (command is not null) command.Args = parsed.Args;
        // Judged only when nothing else is in flight: a pipelined command may follow a LOGIN not yet answered.
        if (tags.Count <= 1 && !ClientOnly && !CommandParser.IsValidIn(parsed.Name, model.State))
            frame.Report(Rules.CommandInWrongState, 0, $"{parsed.Name} in {model.State}");
        output.Frame(ParserOutput.WithCommon(parsed, frame));
        AwaitAnswer(parsed.Name, parsed.Tag);
    }

    /// <summary>After AUTHENTICATE, IDLE, STARTTLS and COMPRESS the client's next bytes wait for the server's answer.</summary>
    private void AwaitAnswer(string command, string tag)
    {
        var awaited = command switch
        {
            "AUTHENTICATE" => Awaited.Authenticate,
            "IDLE" => Awaited.Idle,
            "STARTTLS" => Awaited.StartTls,
            "COMPRESS" => Awaited.Compress,
            _ => Awaited.None,
        };
        if (awaited == Awaited.None) return;
        if (ClientOnly && awaited is Awaited.Authenticate or Awaited.Idle)
        {
            turn.AssumeContinuation(awaited, tag);
            if (awaited != Awaited.Idle) return;
            model.Idle = true;
            output.StateIfChanged(Direction.Client, client.Position);
            return;
        }
        turn.Await(awaited, tag);
    }
}
