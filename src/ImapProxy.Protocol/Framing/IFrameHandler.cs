namespace ImapProxy.Protocol.Framing;

/// <summary>
/// What the <see cref="Framer"/> of one direction asks and tells the code that understands that direction.
/// Framing alone cannot decide everything: whether a line may hold literals, and which bytes are secrets,
/// depend on what the session is doing.
/// </summary>
internal interface IFrameHandler
{
    /// <summary>A frame's first line is complete: true when it is free text that cannot hold literals.</summary>
    bool IsTextFrame(FrameContent frame);

    /// <summary>A literal header ends the segment just read: true when the literal's body is a secret.</summary>
    bool IsSecretLiteral(FrameContent frame);

    /// <summary>Overwrites the secrets of a complete segment in place, before its bytes are passed on.</summary>
    void RedactSegment(FrameContent frame, int segmentStart);

    /// <summary>
    /// A segment that will never be complete (the stream ended in it, or its line is over the limit): overwrites in
    /// place whatever in it could be a secret. True when the rest of the line, which will not be read, could hold one.
    /// </summary>
    bool RedactUnfinished(FrameContent frame, int segmentStart);

    /// <summary>A literal's header has been passed on; its body comes next.</summary>
    void OnLiteralStarted(FrameContent frame, Literal literal);

    /// <summary>A secret literal's body is complete; it is overwritten right after this call.</summary>
    void OnSecretLiteral(ReadOnlySpan<byte> body);

    /// <summary>A frame is complete.</summary>
    void OnFrame(FrameContent frame);

    /// <summary>A frame was given up (its line was too long) and reported as malformed; its line holds the kept start.</summary>
    void OnFrameAbandoned(FrameContent frame);
}
