using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Responses;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Session;

/// <summary>
/// Understands the server's frames: the greeting, untagged data, continuations and tagged completions, and
/// what they decide for the client side: how its held bytes are read, and when the transport changes.
/// </summary>
internal sealed class ServerFrames(DirectionStream server, Turn turn, TagTable tags, SessionModel model,
    ClientFrames client, HeldClientBytes heldClient, ParserOutput output, ImapParserOptions options) : IFrameHandler
{
    /// <summary>The first tagged response of a recording that starts after login completes the unseen LOGIN.</summary>
    private bool loginBeforeRecording = options.StartsAuthenticated;

    private bool transportSwitched;

    private bool ServerOnly => options.Directions == FedDirections.ServerOnly;

    /// <summary>True once after the frame that switched the transport: what follows it is TLS or DEFLATE data.</summary>
    public bool TakeTransportSwitch()
    {
        var switched = transportSwitched;
        transportSwitched = false;
        return switched;
    }

    public bool IsTextFrame(FrameContent frame)
    {
        // Continuations and status responses end in free text (RFC 3501 §7.1, §7.5), which may look like a literal header.
        var reader = new FrameReader(frame, options.MaxNestingDepth);
        if (reader.Peek() == (byte)'+') return true;
        reader.ReadWord();
        return reader.SkipSpace() && ResponseParser.IsStatus(reader.ReadWord());
    }

    // The parser knows of no secrets the server sends.
    public bool IsSecretLiteral(FrameContent frame) => false;
    public void RedactSegment(FrameContent frame, int segmentStart) { }
    public bool RedactUnfinished(FrameContent frame, int segmentStart) => false;
    public void OnSecretLiteral(ReadOnlySpan<byte> body) { }

    public void OnLiteralStarted(FrameContent frame, Literal literal) { }
    public void OnFrameAbandoned(FrameContent frame) { }

    public void OnFrame(FrameContent frame)
    {
        // Only the first thing the server says can be its greeting (RFC 3501 §7.1).
        var greeting = !model.GreetingSeen;
        model.GreetingSeen = true;
        var response = ResponseParser.Parse(frame, options.MaxNestingDepth, greeting);
        if (response is null)
        {
            output.Frame(ParserOutput.Malformed(frame, frame.Offset + frame.Length, "not a response", frame.Content));
            return;
        }

        switch (response.ResponseKind)
        {
            case ResponseKind.Continuation:
                OnContinuation(frame, response);
                return;
            case ResponseKind.Tagged:
                OnTagged(frame, response);
                return;
            default:
                StateTransitions.Untagged(model, response);
                output.Frame(ParserOutput.WithCommon(response, frame));
                output.StateIfChanged(Direction.Server, server.Position);
                return;
        }
    }

    private void OnContinuation(FrameContent frame, ResponseFrame response)
    {
        var expected = turn.Continue();
        if (expected && turn.Awaited == Awaited.Idle) model.Idle = true;
        if (!expected && !ServerOnly) frame.Report(Rules.UnexpectedContinuation, 0);
        output.Frame(ParserOutput.WithCommon(response, frame));
        output.StateIfChanged(Direction.Server, server.Position);
        if (!expected) return;
        turn.Resume();
        heldClient.Resume();
    }

    private void OnTagged(FrameContent frame, ResponseFrame response)
    {
        var tag = response.Tag!;
        var command = tags.Complete(tag);
        if (command is not null) response = response with { Completes = command.Reference };
        else if (!ServerOnly && !loginBeforeRecording) frame.Report(Rules.UnknownTag, 0, tag);
        loginBeforeRecording = false;

        var decided = turn.DecidedBy(tag);
        if (decided == Awaited.Literal) client.FinishRejectedCommand();

        if (command is not null) StateTransitions.Completed(model, command, response, client.SaslUser);
        output.Frame(ParserOutput.WithCommon(response, frame));

        var accepted = response.Status == ResponseStatus.Ok;
        if (decided is Awaited.StartTls or Awaited.Compress && accepted)
        {
            SwitchTransport(decided == Awaited.StartTls ? Transport.Tls : Transport.Deflate);
            output.StateIfChanged(Direction.Server, server.Position);
            return;
        }
        output.StateIfChanged(Direction.Server, server.Position);
        if (decided == Awaited.None) return;
        // RFC 3501 §6.2.2: what the client sent before the server ended its SASL exchange may be responses it sent
        // without waiting for a challenge; they are read as such, up to the first line that is a command.
        if (decided == Awaited.Authenticate && heldClient.Holds) turn.AssumeContinuation();
        else turn.ResumeWithCommand();
        heldClient.Resume();
    }

    private void SwitchTransport(Transport transport)
    {
        // RFC 3501 §6.2.1: what the client sent before the handshake must not be read as part of the new session.
        heldClient.ReportUnparsed(Rules.StartTlsInjection);
        turn.ResumeWithCommand();
        if (transport == Transport.Tls)
        {
            model.Tls = true;
            model.ForgetCapabilities();
        }
        else
        {
            model.Compressed = true;
        }
        output.Frame(new TransportChangeFrame { Direction = Direction.Client, Offset = client.Position, Length = 0, Transport = transport });
        output.Frame(new TransportChangeFrame { Direction = Direction.Server, Offset = server.Position, Length = 0, Transport = transport });
        transportSwitched = true;
    }
}
