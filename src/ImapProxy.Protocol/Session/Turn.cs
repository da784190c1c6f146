namespace ImapProxy.Protocol.Session;

/// <summary>What the client's bytes wait for: the server's answer that decides how to read them.</summary>
internal enum Awaited
{
    None,

    /// <summary>The continuation that lets a synchronizing literal's body follow (RFC 3501 §7.5).</summary>
    Literal,

    /// <summary>A SASL challenge (RFC 3501 §6.2.2).</summary>
    Authenticate,

    /// <summary>The continuation that starts IDLE (RFC 2177 §3).</summary>
    Idle,

    /// <summary>The answer after which TLS starts (RFC 3501 §6.2.1).</summary>
    StartTls,

    /// <summary>The answer after which DEFLATE starts (RFC 4978 §3).</summary>
    Compress,
}

/// <summary>How the client's next line is read.</summary>
internal enum ClientMode
{
    Command,

    /// <summary>A SASL response, or "*" to cancel (RFC 3501 §6.2.2).</summary>
    AuthenticateResponse,

    /// <summary>DONE ending IDLE (RFC 2177 §3).</summary>
    IdleDone,
}

/// <summary>
/// Whose move it is in the conversation: whether the client's bytes must wait for the server's answer, and how
/// the client's next line is read once they may go on. The one piece of state both directions change.
/// </summary>
internal sealed class Turn
{
    public Awaited Awaited { get; private set; }
    public ClientMode ClientMode { get; private set; }

    /// <summary>The command that <see cref="Awaited"/> and <see cref="ClientMode"/> belong to.</summary>
    public string? Tag { get; private set; }

    public bool ClientWaits => Awaited != Awaited.None;

    /// <summary>The continuation the client's lines answer was assumed, not seen: a SASL exchange then goes on
    /// without waiting for the server's next challenge.</summary>
    public bool ContinuationAssumed { get; private set; }

    /// <summary>Set after STARTTLS or COMPRESS until the server answers: the client's bytes cannot be read before.</summary>
    public Transport? PendingTransport => Awaited switch
    {
        Awaited.StartTls => Transport.Tls,
        Awaited.Compress => Transport.Deflate,
        _ => null,
    };

    /// <summary>The client's bytes wait for the server's answer to the command <paramref name="tag"/>.</summary>
    public void Await(Awaited awaited, string? tag)
    {
        Awaited = awaited;
        Tag = tag;
        ContinuationAssumed = false;
    }

    /// <summary>
    /// The server sent a continuation: the client's next line answers it. False when nothing invited one.
    /// The client's bytes still wait until <see cref="Resume"/>.
    /// </summary>
    public bool Continue()
    {
        switch (Awaited)
        {
            case Awaited.Literal:
                return true;
            case Awaited.Authenticate:
                ClientMode = ClientMode.AuthenticateResponse;
                return true;
            case Awaited.Idle:
                ClientMode = ClientMode.IdleDone;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Without the server's side its continuation is assumed (see <see cref="FedDirections"/>): the
    /// command's next client line answers it at once.</summary>
    public void AssumeContinuation(Awaited awaited, string tag)
    {
        Await(awaited, tag);
        AssumeContinuation();
    }

    /// <summary>
    /// The continuation the client's bytes wait for will not be seen (the stream ended, the bytes outgrew the hold,
    /// or the server ended the SASL exchange while the client had sent on): they are read as the client meant
    /// them, as if it had come. False when they wait for a transport switch, which cannot be assumed.
    /// </summary>
    public bool AssumeContinuation()
    {
        if (!Continue()) return false;
        ContinuationAssumed = true;
        Resume();
        return true;
    }

    /// <summary>The client sent a SASL response: its next line waits for the server's next challenge or result.</summary>
    public void AwaitNextChallenge()
    {
        ReadCommands();
        Awaited = Awaited.Authenticate;
    }

    /// <summary>What a tagged response for <paramref name="tag"/> decides: what the client waited for, or None.</summary>
    public Awaited DecidedBy(string tag) => ClientWaits && Tag == tag ? Awaited : Awaited.None;

    /// <summary>The client's bytes may go on.</summary>
    public void Resume() => Awaited = Awaited.None;

    /// <summary>The client's bytes may go on, and its next line is a command.</summary>
    public void ResumeWithCommand()
    {
        Resume();
        ReadCommands();
    }

    public void ReadCommands()
    {
        ClientMode = ClientMode.Command;
        ContinuationAssumed = false;
    }
}
