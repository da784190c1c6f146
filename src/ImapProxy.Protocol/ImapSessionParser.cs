using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Responses;
using ImapProxy.Protocol.Session;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol;

/// <summary>
/// Parses both directions of one IMAP session, incrementally: feed bytes in any chunks, in the order they were
/// seen, and frames come out identical whatever the chunking. Pure: no I/O, no clock, no threads, no logging.
/// Not thread-safe: callers that feed from two pumps serialise the calls.
/// </summary>
/// <remarks>
/// The client stream cannot be framed on its own: after <c>{n}</c>, AUTHENTICATE, IDLE, STARTTLS or COMPRESS
/// what the client sends next depends on the server's answer (RFC 3501 §7.5, §6.2.2, RFC 2177, §6.2.1,
/// RFC 4978). Client bytes that arrive before that answer are held (bounded) until the server's continuation
/// or tagged completion decides how to read them.
/// </remarks>
public sealed class ImapSessionParser
{
    private enum Wait
    {
        None,
        Literal,
        Authenticate,
        Idle,
        StartTls,
        Compress,
    }

    private enum ClientMode
    {
        Command,
        AuthenticateResponse,
        IdleDone,
    }

    private readonly IImapSink sink;
    private readonly ImapParserOptions options;
    private readonly DirectionStream client;
    private readonly DirectionStream server;
    private readonly TagTable tags;
    private readonly SessionModel model = new();

    private Wait wait;
    private string? waitTag;
    private ClientMode clientMode;
    private byte[] held = [];
    private int heldLength;

    private PendingCommand? currentCommand;
    private string? authMechanism;
    private int authStep;
    private string? authUser;

    private bool serverTransportSwitched;
    private long lastStateVersion = -1;

    private bool ClientOnly => options.Directions == FedDirections.ClientOnly;
    private bool ServerOnly => options.Directions == FedDirections.ServerOnly;

    public ImapSessionParser(IImapSink sink, ImapParserOptions? options = null)
    {
        this.sink = sink;
        this.options = options ?? ImapParserOptions.Default;
        client = new DirectionStream(Direction.Client, this.options);
        server = new DirectionStream(Direction.Server, this.options);
        tags = new TagTable(this.options.MaxPendingCommands);
        if (this.options.StartsAuthenticated)
        {
            model.State = ProtocolState.Authenticated;
            model.GreetingSeen = true;
            loginBeforeRecording = true;
        }
    }

    // The first tagged response of a recording that starts after login completes the unseen LOGIN.
    private bool loginBeforeRecording;

    public ProtocolState State => model.State;
    public IReadOnlyCollection<string> Capabilities => model.Capabilities;

    /// <summary>Set after the client's STARTTLS or COMPRESS, until the server answers it.</summary>
    public Transport? PendingTransport => wait switch
    {
        Wait.StartTls => Transport.Tls,
        Wait.Compress => Transport.Deflate,
        _ => null,
    };

    /// <summary>
    /// True when the conversation waits for the client: nothing is in progress, or the client is in the middle
    /// of a frame, a literal, a SASL exchange or IDLE. Used to interleave recordings that lack timing.
    /// </summary>
    public bool ExpectsClient =>
        wait == Wait.None && (model.GreetingSeen || server.Position > 0)
        && (tags.Count == 0 || clientMode != ClientMode.Command || client.Frame is not null);

    /// <summary>Tag of the STARTTLS or COMPRESS command waiting for the server's answer.</summary>
    public string? PendingTransportTag => PendingTransport is null ? null : waitTag;

    /// <summary>True once COMPRESS=DEFLATE was accepted (RFC 4978).</summary>
    public bool Compressed => model.Compressed;

    /// <summary>True between the server's continuation for IDLE and the client's DONE (RFC 2177).</summary>
    public bool Idling => model.Idle;

    /// <summary>
    /// Consumes bytes of one direction. Returns how many were consumed, which is fewer than offered only at a
    /// transport boundary: on the client side after STARTTLS/COMPRESS (nothing more is consumed until the
    /// server answers), on the server side right after the OK that accepts them. The caller then switches
    /// (TLS handshake, inflate) and feeds the rest, or hands it to <see cref="ReportUnparsed"/>.
    /// </summary>
    public int Feed(Direction direction, ReadOnlySpan<byte> data)
    {
        try
        {
            if (direction == Direction.Client)
            {
                if (wait is Wait.StartTls or Wait.Compress) return 0;
                if (wait != Wait.None)
                {
                    Hold(data);
                    return data.Length;
                }
            }
            return Process(Stream(direction), data);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of ours must not take the session down: report it and start afresh at the next byte.
            var ds = Stream(direction);
            Emit(new MalformedFrame
            {
                Direction = direction, Offset = ds.Position, Length = 0,
                Reason = $"internal parser error: {e.GetType().Name}: {e.Message}", Preview = "",
            });
            ds.EndFrame();
            return data.Length;
        }
    }

    /// <summary>The direction's stream ended: whatever frame was in progress is reported as truncated.</summary>
    public void Complete(Direction direction)
    {
        var ds = Stream(direction);
        if (ds.Frame is { } frame)
        {
            if (ds.Mode != DirectionStream.ReadMode.Literal && ds.LineLength > ds.SegmentStart)
                sink.OnBytes(direction, ds.SegmentOffset, ds.Line.AsSpan(ds.SegmentStart, ds.LineLength - ds.SegmentStart), null);
            Emit(Malformed(frame, ds.Position, Rules.Truncated.Summary, ds.Line.AsSpan(0, ds.LineLength),
                Rules.Truncated.At(frame.Offset)));
            ds.EndFrame();
        }
        if (direction == Direction.Client && heldLength > 0) ReportUnparsed(direction, TakeHeld(), Rules.Truncated);
    }

    /// <summary>
    /// Records bytes that must not be parsed: what followed STARTTLS before the handshake (RFC 3501 §6.2.1), or
    /// data the caller could not decode. They take their place in the stream and are flagged.
    /// </summary>
    public void ReportUnparsed(Direction direction, ReadOnlySpan<byte> bytes, Rule? rule = null)
    {
        if (bytes.IsEmpty) return;
        var ds = Stream(direction);
        rule ??= Rules.StartTlsInjection;
        sink.OnBytes(direction, ds.Position, bytes, null);
        Emit(new MalformedFrame
        {
            Direction = direction, Offset = ds.Position, Length = bytes.Length, Reason = rule.Summary,
            Preview = Preview(bytes), Diagnostics = [rule.At(ds.Position, $"{bytes.Length} bytes")],
        });
        ds.Position += bytes.Length;
    }

    /// <summary>Reports a problem found outside the IMAP syntax (e.g. a corrupt DEFLATE stream) at the current offset.</summary>
    public void ReportProblem(Direction direction, Rule rule, string detail)
    {
        var offset = Stream(direction).Position;
        Emit(new MalformedFrame
        {
            Direction = direction, Offset = offset, Length = 0, Reason = rule.Summary, Preview = "",
            Diagnostics = [rule.At(offset, detail)],
        });
    }

    private DirectionStream Stream(Direction direction) => direction == Direction.Client ? client : server;

    private int Process(DirectionStream ds, ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            if (ds == client && wait != Wait.None)
            {
                if (wait is Wait.StartTls or Wait.Compress) return i;
                Hold(data[i..]);
                return data.Length;
            }
            if (ds == server && serverTransportSwitched)
            {
                serverTransportSwitched = false;
                return i;
            }
            i += ds.Mode switch
            {
                DirectionStream.ReadMode.Literal => ReadLiteralBody(ds, data[i..]),
                DirectionStream.ReadMode.Discard => Discard(ds, data[i..]),
                _ => ReadLine(ds, data[i..]),
            };
        }
        if (ds == server) serverTransportSwitched = false;
        return i;
    }

    // ---- byte level ----

    private int ReadLine(DirectionStream ds, ReadOnlySpan<byte> data)
    {
        var lf = data.IndexOf((byte)'\n');
        var take = lf < 0 ? data.Length : lf + 1;
        if (ds.Frame is null) ds.BeginFrame();
        if (!ds.Append(data[..take]))
        {
            StartDiscard(ds);
            return 0;
        }
        ds.Position += take;
        if (lf >= 0) CompleteSegment(ds);
        return take;
    }

    private void StartDiscard(DirectionStream ds)
    {
        if (ds.LineLength > ds.SegmentStart)
            sink.OnBytes(ds.Direction, ds.SegmentOffset, ds.Line.AsSpan(ds.SegmentStart, ds.LineLength - ds.SegmentStart), null);
        ds.Mode = DirectionStream.ReadMode.Discard;
    }

    private int Discard(DirectionStream ds, ReadOnlySpan<byte> data)
    {
        var lf = data.IndexOf((byte)'\n');
        var take = lf < 0 ? data.Length : lf + 1;
        sink.OnBytes(ds.Direction, ds.Position, data[..take], null);
        ds.Position += take;
        if (lf < 0) return take;

        var frame = ds.Frame!;
        Emit(Malformed(frame, ds.Position, Rules.LineTooLong.Summary, ds.Line.AsSpan(0, Math.Min(ds.LineLength, 200)),
            Rules.LineTooLong.At(frame.Offset, $"limit {options.MaxLineLength} bytes")));
        if (ds == client) currentCommand = null;
        ds.EndFrame();
        return take;
    }

    private int ReadLiteralBody(DirectionStream ds, ReadOnlySpan<byte> data)
    {
        var literal = ds.Literal!;
        var n = (int)Math.Min(ds.LiteralRemaining, data.Length);
        var chunk = data[..n];
        if (literal.Redacted) EmitStars(ds.Direction, ds.Position, n, literal);
        else sink.OnBytes(ds.Direction, ds.Position, chunk, literal);
        if (ds.LiteralContent is { } content)
        {
            // A secret's real bytes stay here only until the literal ends (see FinishLiteral).
            chunk.CopyTo(content.AsSpan(ds.LiteralFilled));
            ds.LiteralFilled += n;
        }
        ds.Position += n;
        ds.LiteralRemaining -= n;
        if (ds.LiteralRemaining == 0) FinishLiteral(ds);
        return n;
    }

    private void FinishLiteral(DirectionStream ds)
    {
        var frame = ds.Frame!;
        if (ds.Literal!.Redacted && ds.LiteralContent is { } secret)
        {
            // An AUTHENTICATE initial response sent as a literal: read the user name, then forget the rest.
            if (currentCommand is { Name: "AUTHENTICATE" } && authMechanism is not null && SaslUser.DecodeBase64(secret) is { } decoded)
            {
                authUser = SaslUser.Extract(authMechanism, decoded, 0);
                authStep = 1;
            }
            secret.AsSpan().Fill(Redaction.RawFill);
        }
        frame.Literals[^1] = ds.Literal! with { Content = ds.LiteralContent };
        ds.Literal = null;
        ds.LiteralContent = null;
        ds.Mode = DirectionStream.ReadMode.Line;
        ds.SegmentStart = ds.LineLength;
        ds.SegmentOffset = ds.Position;
        frame.AddSegment(ds.LineLength, ds.Position);
    }

    // ---- segments and frames ----

    private void CompleteSegment(DirectionStream ds)
    {
        var frame = ds.Frame!;
        var end = ds.LineLength;
        var terminator = end >= 2 && ds.Line[end - 2] == (byte)'\r' ? 2 : 1;
        if (terminator == 1) frame.Report(Rules.BareLf, end - 1);
        frame.Line = ds.Line;
        frame.LineLength = end;
        frame.ContentLength = end - terminator;

        if (ds.SegmentStart == 0) ClassifyFrame(ds);
        if (!ds.FrameIsText)
        {
            var segment = ds.Line.AsSpan(ds.SegmentStart, end - terminator - ds.SegmentStart);
            switch (LiteralHeader.TryFind(segment, out var length, out var binary, out var nonSync))
            {
                case LiteralHeader.Result.Found:
                    StartLiteral(ds, length, binary, nonSync);
                    return;
                case LiteralHeader.Result.Overflow:
                    frame.Report(Rules.LiteralLengthOverflow, end - terminator - 1);
                    break;
            }
        }

        var redactions = ds == client ? RedactClientSegment(frame, ds.SegmentStart) : null;
        EmitSegment(ds);
        frame.Length = ds.Position - frame.Offset;
        ds.EndFrame();
        if (ds == client) DispatchClient(frame, redactions);
        else DispatchServer(frame);
    }

    /// <summary>At a frame's first line: is it free text (no literals), and for a command, register its tag.</summary>
    private void ClassifyFrame(DirectionStream ds)
    {
        var frame = ds.Frame!;
        var reader = new FrameReader(frame, options.MaxNestingDepth);
        if (ds == server)
        {
            if (reader.Peek() == (byte)'+') { ds.FrameIsText = true; return; }
            reader.ReadWord();
            if (!reader.SkipSpace()) return;
            ds.FrameIsText = ResponseParser.IsStatus(reader.ReadWord());
            return;
        }
        // Without the server's side, a line with a space after an AUTHENTICATE response is the next command.
        if (ClientOnly && clientMode == ClientMode.AuthenticateResponse && frame.Content.Contains((byte)' '))
            clientMode = ClientMode.Command;
        if (clientMode != ClientMode.Command)
        {
            ds.FrameIsText = true;
            return;
        }
        var tag = reader.ReadWord();
        if (tag.Length == 0 || !reader.SkipSpace()) return;
        var name = CommandParser.ReadName(reader);
        if (name.Length == 0) return;
        currentCommand = new PendingCommand(tag, name, frame.Offset);
        // Without the server's side nothing ever completes: a reused tag or a long queue is normal there.
        if (!tags.Add(currentCommand, out var evicted) && !ClientOnly) frame.Report(Rules.DuplicateTag, 0, tag);
        if (evicted && !ClientOnly) frame.Report(Rules.TooManyPendingCommands, 0);
    }

    private void StartLiteral(DirectionStream ds, long length, bool binary, bool nonSync)
    {
        var frame = ds.Frame!;
        var secret = ds == client && options.RedactSecrets && IsSecretLiteral(frame);
        var literal = new Literal(ds.Position, length, binary, nonSync) { Redacted = secret };

        // The header of a password literal is not the password: only the literal's body is secret.
        var redactions = ds == client && !secret ? RedactClientSegment(frame, ds.SegmentStart) : null;
        if (redactions is not null) frame.Redactions.AddRange(redactions);
        EmitSegment(ds);
        frame.Literals.Add(literal);
        frame.LiteralLinePositions.Add(ds.LineLength);
        if (secret) frame.Redactions.Add(new ByteRange(literal.Offset, length));

        ds.Literal = literal;
        ds.LiteralRemaining = length;
        ds.LiteralContent = length <= options.MaxInlineLiteral ? new byte[length] : null;
        ds.LiteralFilled = 0;
        ds.Mode = DirectionStream.ReadMode.Literal;

        if (ds == client)
        {
            CheckLiteralPlus(frame, literal);
            if (!nonSync && !ClientOnly)
            {
                wait = Wait.Literal;
                waitTag = currentCommand?.Tag;
            }
        }
        if (length == 0) FinishLiteral(ds);
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

    private void EmitSegment(DirectionStream ds)
    {
        sink.OnBytes(ds.Direction, ds.SegmentOffset, ds.Line.AsSpan(ds.SegmentStart, ds.LineLength - ds.SegmentStart), null);
    }

    private void EmitStars(Direction direction, long offset, int count, Literal? literal)
    {
        Span<byte> stars = stackalloc byte[Math.Min(count, 1024)];
        stars.Fill(Redaction.RawFill);
        while (count > 0)
        {
            var n = Math.Min(count, stars.Length);
            sink.OnBytes(direction, offset, stars[..n], literal);
            offset += n;
            count -= n;
        }
    }

    // ---- secrets (MailKit's ProtocolLogger redacts the same things) ----

    /// <summary>A literal that is a secret: LOGIN's password (RFC 3501 §6.2.3), or AUTHENTICATE's initial
    /// response (RFC 4959) sent as a literal. Both are the command's second argument.</summary>
    private bool IsSecretLiteral(FrameContent frame)
    {
        if (currentCommand is not { Name: "LOGIN" or "AUTHENTICATE" }) return false;
        var arguments = CommandParser.ReadArguments(frame, options.MaxNestingDepth);
        if (arguments.Count != 2) return false;
        if (currentCommand.Name == "AUTHENTICATE")
        {
            authMechanism = arguments[0].AsText() ?? "";
            authStep = 0;
            authUser = null;
        }
        return true;
    }

    /// <summary>Overwrites the secrets of a client segment in place and returns their stream ranges.</summary>
    private List<ByteRange>? RedactClientSegment(FrameContent frame, int segmentStart)
    {
        if (!options.RedactSecrets) return null;
        var ranges = new List<ByteRange>();
        switch (clientMode)
        {
            case ClientMode.AuthenticateResponse:
                var line = frame.Line.AsSpan(0, frame.ContentLength);
                if (line.SequenceEqual("*"u8)) return null;
                if (authMechanism is not null && SaslUser.DecodeBase64(line) is { } decoded)
                    authUser ??= SaslUser.Extract(authMechanism, decoded, authStep);
                if (!SaslUser.IsSecret(authMechanism ?? "", authStep)) return null;
                Overwrite(frame, 0, frame.ContentLength, ranges);
                return ranges;
            case ClientMode.Command when currentCommand?.Name == "LOGIN":
                var arguments = CommandParser.ReadArguments(frame, options.MaxNestingDepth);
                if (arguments.Count >= 2 && arguments[1] is { Start: var start, End: var end } password
                    && password is not ImapString { Literal: not null } && start >= segmentStart)
                {
                    if (password is ImapString) (start, end) = (start + 1, end - 1); // keep the quotes
                    Overwrite(frame, start, end, ranges);
                }
                return ranges;
            case ClientMode.Command when currentCommand?.Name == "AUTHENTICATE":
                var args = CommandParser.ReadArguments(frame, options.MaxNestingDepth);
                // An initial response sent as a literal was handled when the literal ended (FinishLiteral).
                if (args.Count >= 2 && args[1] is ImapString { Literal: not null }) return null;
                authMechanism = args.Count > 0 ? args[0].AsText() ?? "" : "";
                authStep = 0;
                authUser = null;
                if (args.Count < 2 || args[1] is not ImapAtom initial) return null;
                var bytes = frame.Line.AsSpan(initial.Start, initial.End - initial.Start);
                if (!bytes.SequenceEqual("="u8) && SaslUser.DecodeBase64(bytes) is { } ir)
                    authUser = SaslUser.Extract(authMechanism, ir, 0);
                authStep = 1;
                Overwrite(frame, initial.Start, initial.End, ranges);
                return ranges;
            default:
                return null;
        }
    }

    private static void Overwrite(FrameContent frame, int start, int end, List<ByteRange> ranges)
    {
        if (end <= start) return;
        frame.Line.AsSpan(start, end - start).Fill(Redaction.RawFill);
        ranges.Add(new ByteRange(frame.StreamOffsetOf(start), end - start));
    }

    // ---- client frames ----

    private void DispatchClient(FrameContent frame, List<ByteRange>? redactions)
    {
        if (redactions is not null) frame.Redactions.AddRange(redactions);
        switch (clientMode)
        {
            case ClientMode.AuthenticateResponse:
                DispatchAuthenticateResponse(frame);
                return;
            case ClientMode.IdleDone:
                if (System.Text.Ascii.EqualsIgnoreCase(frame.Content, "DONE"u8))
                {
                    clientMode = ClientMode.Command;
                    model.Idle = false;
                    Emit(ClientLine(frame, ClientLineKind.IdleDone, "DONE", waitTag ?? ""));
                    EmitStateIfChanged(Direction.Client, client.Position);
                    return;
                }
                if (!ClientOnly) frame.Report(Rules.ExpectedDone, 0);
                clientMode = ClientMode.Command;
                model.Idle = false;
                break;
        }
        DispatchCommand(frame);
    }

    private void DispatchAuthenticateResponse(FrameContent frame)
    {
        var cancel = frame.Content.SequenceEqual("*"u8);
        var secret = !cancel && options.RedactSecrets && SaslUser.IsSecret(authMechanism ?? "", authStep);
        var text = secret ? Redaction.Marker : System.Text.Encoding.UTF8.GetString(frame.Content);
        authStep++;
        if (!ClientOnly)
        {
            clientMode = ClientMode.Command;
            wait = Wait.Authenticate;
        }
        Emit(ClientLine(frame, cancel ? ClientLineKind.AuthenticateCancel : ClientLineKind.AuthenticateResponse,
            text, waitTag ?? "") with { User = authUser });
    }

    /// <param name="rejected">The server refused the command before its literal: its arguments end early.</param>
    private void DispatchCommand(FrameContent frame, bool rejected = false)
    {
        var command = currentCommand;
        currentCommand = null;
        var parsed = CommandParser.Parse(frame, options.MaxNestingDepth, authUser, rejected);
        if (parsed is null)
        {
            Emit(Malformed(frame, frame.Offset + frame.Length, "not a command (expected: tag SP command)", frame.Content));
            return;
        }
        if (command is not null) command.Args = parsed.Args;
        // Judged only when nothing else is in flight: a pipelined command may follow a LOGIN not yet answered.
        if (tags.Count <= 1 && !ClientOnly && !CommandParser.IsValidIn(parsed.Name, model.State)) frame.Report(Rules.CommandInWrongState, 0, $"{parsed.Name} in {model.State}");
        Emit(WithCommon(parsed, frame));

        if (parsed.Name is "AUTHENTICATE" or "IDLE" or "STARTTLS" or "COMPRESS") waitTag = parsed.Tag;
        switch (parsed.Name)
        {
            case "AUTHENTICATE" when ClientOnly:
                clientMode = ClientMode.AuthenticateResponse;
                return;
            case "IDLE" when ClientOnly:
                clientMode = ClientMode.IdleDone;
                model.Idle = true;
                EmitStateIfChanged(Direction.Client, client.Position);
                return;
            case "AUTHENTICATE":
                wait = Wait.Authenticate;
                break;
            case "IDLE":
                wait = Wait.Idle;
                break;
            case "STARTTLS":
                wait = Wait.StartTls;
                break;
            case "COMPRESS":
                wait = Wait.Compress;
                break;
        }
    }

    // ---- server frames ----

    private void DispatchServer(FrameContent frame)
    {
        // Only the first thing the server says can be its greeting (RFC 3501 §7.1).
        var greeting = !model.GreetingSeen;
        model.GreetingSeen = true;
        var response = ResponseParser.Parse(frame, options.MaxNestingDepth, greeting);
        if (response is null)
        {
            Emit(Malformed(frame, frame.Offset + frame.Length, "not a response", frame.Content));
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
                OnUntagged(response);
                Emit(WithCommon(response, frame));
                EmitStateIfChanged(Direction.Server, server.Position);
                return;
        }
    }

    private void OnContinuation(FrameContent frame, ResponseFrame response)
    {
        var resume = true;
        switch (wait)
        {
            case Wait.Literal:
                break;
            case Wait.Authenticate:
                clientMode = ClientMode.AuthenticateResponse;
                break;
            case Wait.Idle:
                clientMode = ClientMode.IdleDone;
                model.Idle = true;
                break;
            default:
                if (!ServerOnly) frame.Report(Rules.UnexpectedContinuation, 0);
                resume = false;
                break;
        }
        Emit(WithCommon(response, frame));
        EmitStateIfChanged(Direction.Server, server.Position);
        if (!resume) return;
        wait = Wait.None;
        ResumeClient();
    }

    private void OnTagged(FrameContent frame, ResponseFrame response)
    {
        var tag = response.Tag!;
        var command = tags.Complete(tag);
        if (command is not null) response = response with { Completes = command.Reference };
        else if (!ServerOnly && !loginBeforeRecording) frame.Report(Rules.UnknownTag, 0, tag);
        loginBeforeRecording = false;

        var decided = wait != Wait.None && waitTag == tag;
        var decision = decided ? wait : Wait.None;
        if (decision == Wait.Literal) FinishRejectedCommand();

        if (command is not null) ApplyCompletion(command, response);
        Emit(WithCommon(response, frame));

        var accepted = response.Status == ResponseStatus.Ok;
        if (decision is Wait.StartTls or Wait.Compress && accepted)
        {
            SwitchTransport(decision == Wait.StartTls ? Transport.Tls : Transport.Deflate);
            EmitStateIfChanged(Direction.Server, server.Position);
            return;
        }
        EmitStateIfChanged(Direction.Server, server.Position);
        if (decided)
        {
            wait = Wait.None;
            clientMode = ClientMode.Command;
            ResumeClient();
        }
    }

    /// <summary>The server refused a command while the client waited to send its literal (RFC 3501 §7.5):
    /// the command ends at the literal header, and what the client sends next is a new command.</summary>
    private void FinishRejectedCommand()
    {
        var frame = client.Frame;
        if (frame is null) return;
        frame.Literals.RemoveAt(frame.Literals.Count - 1);
        frame.LiteralLinePositions.RemoveAt(frame.LiteralLinePositions.Count - 1);
        var end = frame.LineLength;
        frame.ContentLength = end - (end >= 2 && frame.Line[end - 2] == (byte)'\r' ? 2 : 1);
        frame.Length = client.Position - frame.Offset;
        client.Literal = null;
        client.LiteralContent = null;
        client.EndFrame();
        wait = Wait.None;
        DispatchCommand(frame, rejected: true);
    }

    private void SwitchTransport(Transport transport)
    {
        if (heldLength > 0) ReportUnparsed(Direction.Client, TakeHeld());
        wait = Wait.None;
        clientMode = ClientMode.Command;
        if (transport == Transport.Tls)
        {
            model.Tls = true;
            model.ForgetCapabilities();
        }
        else
        {
            model.Compressed = true;
        }
        foreach (var ds in new[] { client, server })
            Emit(new TransportChangeFrame { Direction = ds.Direction, Offset = ds.Position, Length = 0, Transport = transport });
        serverTransportSwitched = true;
    }

    private void ApplyCompletion(PendingCommand command, ResponseFrame response)
    {
        if (response.Code?.Name == "CAPABILITY" && response.Code.Items is { } caps) model.SetCapabilities(caps);
        var ok = response.Status == ResponseStatus.Ok;
        switch (command.Name)
        {
            case "LOGIN" or "AUTHENTICATE" when ok:
                model.State = ProtocolState.Authenticated;
                model.User = command.Args switch
                {
                    LoginArgs login => login.User,
                    AuthenticateArgs { User: { } user } => user,
                    _ => authUser,
                };
                break;
            case "SELECT" or "EXAMINE":
                if (ok && command.Args is SelectArgs select)
                {
                    model.State = ProtocolState.Selected;
                    model.Mailbox = select.Mailbox;
                    model.ReadOnly = response.Code?.Name switch
                    {
                        "READ-ONLY" => true,
                        "READ-WRITE" => false,
                        _ => select.ReadOnly,
                    };
                }
                else if (!ok && model.State == ProtocolState.Selected)
                {
                    // RFC 3501 §6.3.1: a failed SELECT leaves no mailbox selected.
                    model.State = ProtocolState.Authenticated;
                    model.Mailbox = null;
                }
                break;
            case "CLOSE" or "UNSELECT" when ok:
                model.State = ProtocolState.Authenticated;
                model.Mailbox = null;
                break;
            case "LOGOUT" when ok:
                model.State = ProtocolState.Logout;
                break;
            case "IDLE":
                model.Idle = false;
                break;
        }
    }

    private void OnUntagged(ResponseFrame response)
    {
        if (response.Code?.Name == "CAPABILITY" && response.Code.Items is { } codeCaps) model.SetCapabilities(codeCaps);
        switch (response.Status)
        {
            case ResponseStatus.Bye:
                model.State = ProtocolState.Logout;
                return;
            case ResponseStatus.Preauth:
                model.State = ProtocolState.Authenticated;
                return;
        }
        if (response is { Name: "CAPABILITY", Data: CapabilityData data }) model.SetCapabilities(data.Capabilities);
    }

    // ---- holding client bytes until the server decides ----

    private void Hold(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        if ((long)heldLength + data.Length > options.MaxHeldClientBytes)
        {
            if (wait == Wait.Literal)
            {
                // The client did not wait for "+": read the bytes as the literal, as LITERAL+ would.
                client.Frame?.Report(Rules.ClientDidNotWait, client.Frame.LineLength - 1);
                var pending = TakeHeld();
                wait = Wait.None;
                Process(client, pending);
                Feed(Direction.Client, data);
                return;
            }
            var overflow = TakeHeld();
            ReportUnparsed(Direction.Client, overflow, Rules.ClientDidNotWait);
            ReportUnparsed(Direction.Client, data, Rules.ClientDidNotWait);
            return;
        }
        if (heldLength + data.Length > held.Length)
            Array.Resize(ref held, Math.Max(heldLength + data.Length, Math.Min(held.Length * 2 + 256, options.MaxHeldClientBytes)));
        data.CopyTo(held.AsSpan(heldLength));
        heldLength += data.Length;
    }

    private byte[] TakeHeld()
    {
        var bytes = held.AsSpan(0, heldLength).ToArray();
        heldLength = 0;
        if (held.Length > 64 * 1024) held = [];
        return bytes;
    }

    /// <summary>The server decided how to read the client: parse what the client sent meanwhile.</summary>
    private void ResumeClient()
    {
        if (wait != Wait.None || heldLength == 0) return;
        var bytes = TakeHeld();
        var consumed = Process(client, bytes);
        // Stopped at STARTTLS/COMPRESS: keep the rest until the server answers it.
        if (consumed < bytes.Length) Hold(bytes.AsSpan(consumed));
    }

    // ---- output ----

    private void Emit(ImapFrame frame) => sink.OnFrame(frame);

    private void EmitStateIfChanged(Direction direction, long offset)
    {
        if (model.Version == lastStateVersion) return;
        lastStateVersion = model.Version;
        Emit(model.Snapshot(direction, offset));
    }

    private static T WithCommon<T>(T frame, FrameContent content) where T : ImapFrame => frame with
    {
        Literals = content.Literals.Count > 0 ? content.Literals.ToArray() : null,
        Redactions = content.Redactions.Count > 0 ? content.Redactions.ToArray() : null,
        Diagnostics = content.Diagnostics.Count > 0 ? content.Diagnostics.ToArray() : null,
    };

    private static ClientLineFrame ClientLine(FrameContent frame, ClientLineKind kind, string text, string tag) =>
        WithCommon(new ClientLineFrame
        {
            Direction = Direction.Client, Offset = frame.Offset, Length = frame.Length,
            LineKind = kind, Text = text, Tag = tag,
        }, frame);

    private static MalformedFrame Malformed(FrameContent frame, long end, string reason, ReadOnlySpan<byte> bytes,
        Diagnostic? diagnostic = null)
    {
        var diagnostics = frame.Diagnostics.ToList();
        diagnostics.Add(diagnostic ?? Rules.Syntax.At(frame.Offset, reason));
        return new MalformedFrame
        {
            Direction = frame.Direction, Offset = frame.Offset, Length = end - frame.Offset,
            Reason = reason, Preview = Preview(bytes), Diagnostics = diagnostics,
        };
    }

    private static string Preview(ReadOnlySpan<byte> bytes) => ByteText.Escape(bytes);
}
