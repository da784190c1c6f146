namespace ImapProxy.Capture.Relay;

/// <summary>Hands out session ids; the store implements it so ids continue across restarts.</summary>
public interface ISessionIdSource
{
    long Next();
}
