using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Secrets;
using ImapProxy.Protocol.Session;

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
/// <para>Composed of: a <see cref="Framer"/> per direction (lines, literals, segments), the
/// <see cref="ClientFrames"/> and <see cref="ServerFrames"/> that understand them, the <see cref="Turn"/> they
/// share, <see cref="HeldClientBytes"/>, and the <see cref="SecretDetector"/>.</para>
/// </remarks>
public sealed class ImapSessionParser
{
    private readonly SessionModel model;
    private readonly Turn turn = new();
    private readonly TagTable tags;
    private readonly ParserOutput output;
    private readonly Framer client;
    private readonly Framer server;
    private readonly HeldClientBytes heldClient;
    private readonly ServerFrames serverFrames;

    // Made once: a delegate per Feed call would allocate while large literals stream through.
    private readonly Func<ReadOnlySpan<byte>, int> readClient;
    private readonly Func<ReadOnlySpan<byte>, int> readServer;

    public ImapSessionParser(IImapSink sink, ImapParserOptions? options = null)
    {
        options ??= ImapParserOptions.Default;
        model = new SessionModel(options.CapabilityNames);
        tags = new TagTable(options.MaxPendingCommands);
        output = new ParserOutput(sink, model);
        if (options.StartsAuthenticated)
        {
            model.State = ProtocolState.Authenticated;
            model.GreetingSeen = true;
        }

        var clientStream = new DirectionStream(Direction.Client, options);
        var clientFrames = new ClientFrames(clientStream, turn, tags, model, new SecretDetector(options), output, options);
        client = new Framer(clientStream, clientFrames, output, options);
        heldClient = new HeldClientBytes(client, turn, options.MaxHeldClientBytes);

        var serverStream = new DirectionStream(Direction.Server, options);
        serverFrames = new ServerFrames(serverStream, turn, tags, model, clientFrames, heldClient, output, options);
        server = new Framer(serverStream, serverFrames, output, options);

        readClient = heldClient.Offer;
        readServer = ReadServer;
    }

    public ProtocolState State => model.State;
    public IReadOnlyList<string> Capabilities => model.Capabilities;

    /// <summary>Set after the client's STARTTLS or COMPRESS, until the server answers it.</summary>
    public Transport? PendingTransport => turn.PendingTransport;

    /// <summary>
    /// True when the conversation waits for the client: nothing is in progress, or the client is in the middle
    /// of a frame, a literal, a SASL exchange or IDLE. Used to interleave recordings that lack timing.
    /// </summary>
    public bool ExpectsClient =>
        !turn.ClientWaits && (model.GreetingSeen || server.Stream.Position > 0)
        && (tags.Count == 0 || turn.ClientMode != ClientMode.Command || client.Stream.Frame is not null);

    /// <summary>Tag of the STARTTLS or COMPRESS command waiting for the server's answer.</summary>
    public string? PendingTransportTag => PendingTransport is null ? null : turn.Tag;

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
    public int Feed(Direction direction, ReadOnlySpan<byte> data) => direction == Direction.Client
        ? client.ReadSafely(data, readClient)
        : server.ReadSafely(data, readServer);

    /// <summary>The direction's stream ended: whatever frame was in progress is reported as truncated.</summary>
    public void Complete(Direction direction)
    {
        // Held client bytes first: read as the client meant them, they may go on with the frame in progress.
        if (direction == Direction.Client) heldClient.Complete();
        FramerOf(direction).Complete();
    }

    /// <summary>
    /// Records bytes that must not be parsed: what followed STARTTLS before the handshake (RFC 3501 §6.2.1), or
    /// data the caller could not decode. They take their place in the stream and are flagged.
    /// </summary>
    /// <returns>The bytes as the sink got them: a client's secrets starred.</returns>
    public ReadOnlySpan<byte> ReportUnparsed(Direction direction, ReadOnlySpan<byte> bytes, Rule? rule = null) =>
        FramerOf(direction).ReportUnparsed(bytes, rule ?? Rules.StartTlsInjection);

    /// <summary>Reports a problem found outside the IMAP syntax (e.g. a corrupt DEFLATE stream) at the current offset.</summary>
    public void ReportProblem(Direction direction, Rule rule, string detail)
    {
        var offset = FramerOf(direction).Stream.Position;
        output.Frame(new MalformedFrame
        {
            Direction = direction, Offset = offset, Length = 0, Reason = rule.Summary, Preview = "",
            Diagnostics = [rule.At(offset, detail)],
        });
    }

    private Framer FramerOf(Direction direction) => direction == Direction.Client ? client : server;

    private int ReadServer(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            i += server.Step(data[i..]);
            // After the OK that switches the transport the rest is TLS or DEFLATE data: the caller takes it from here.
            if (serverFrames.TakeTransportSwitch()) break;
        }
        return i;
    }
}
