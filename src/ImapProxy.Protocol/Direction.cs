namespace ImapProxy.Protocol;

/// <summary>Which way bytes travel. Offsets are counted per direction, from the first byte of the session.</summary>
public enum Direction
{
    /// <summary>Client to server: commands, literals, AUTHENTICATE responses, DONE.</summary>
    Client,

    /// <summary>Server to client: greeting, untagged, tagged and continuation responses.</summary>
    Server,
}
