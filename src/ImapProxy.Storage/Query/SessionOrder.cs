namespace ImapProxy.Storage.Query;

/// <summary>How session lists are ordered.</summary>
public enum SessionOrder
{
    /// <summary>Newest first (by id, which is start order).</summary>
    Newest,

    /// <summary>Most findings of warning or error severity first, newest first among equals.</summary>
    MostFindings,
}
