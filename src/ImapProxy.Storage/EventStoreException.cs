namespace ImapProxy.Storage;

/// <summary>The store cannot be opened or used; the message names the file and what to do about it.</summary>
public sealed class EventStoreException(string message, Exception? inner = null) : Exception(message, inner);
