using ImapProxy.Dashboard.Live;
using ImapProxy.Mail;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Events;
using ImapProxy.Recording.Findings;
using ImapProxy.Replay.Captured;
using ImapProxy.Replay.Compare;
using ImapProxy.Storage;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Writing;

namespace ImapProxy.Queries;

/// <summary>
/// The one query edge: what the HTTP API, the CLI and the dashboard ask of the store — sessions, events, live
/// filtering and exports — through the filter language, with its errors said one way.
/// </summary>
/// <param name="writer">The running proxy's writer, whose queue the dashboard's lists wait for; none offline (the CLI).</param>
public sealed class StoreQueries(EventStore store, QueryService queries, EventStoreWriter? writer = null) : IDashboardQueries
{
    /// <summary>How long a dashboard view waits for the store to catch up before it answers with what is written.</summary>
    private static readonly TimeSpan CatchUpAtMost = TimeSpan.FromSeconds(2);

    public string FilterHelp => FilterFields.HelpText;

    public string? Instance => store.Options.Instance;

    /// <summary>The filter, or where and why it is wrong; no filter for empty text.</summary>
    public static (Filter? Filter, FilterError? Error) ParseFilter(string? text)
    {
        try
        {
            return (Filter.ParseOrNull(text), null);
        }
        catch (FilterException e)
        {
            return (null, new FilterError(e.Position, e.Length, e.Message));
        }
    }

    public SessionView? Session(long id) => store.GetSession(id) is { } row ? SessionView.From(row) : null;

    /// <summary>A session's row for a dashboard page, once the store holds what was published before it asked: a
    /// session opened a moment ago, whose row the live list already shows, is found.</summary>
    public SessionRow? CurrentSession(long id)
    {
        CatchUp();
        return store.GetSession(id);
    }

    public bool Exists(long id) => store.GetSession(id) is not null;

    /// <summary>Sessions matching the filter, newest first; pass <see cref="SessionPage.Next"/> back as <paramref name="before"/>.</summary>
    public (SessionPage? Page, FilterError? Error) Sessions(string? filter, int limit, long? before = null)
    {
        var (parsed, error) = ParseFilter(filter);
        return error is null ? (Sessions(parsed, limit, before), null) : (null, error);
    }

    /// <summary>As <see cref="Sessions(string?, int, long?)"/>, for a filter parsed already (the CLI's options parse theirs).</summary>
    public SessionPage Sessions(Filter? filter, int limit, long? before = null)
    {
        var page = queries.Sessions(filter, limit, before);
        return new SessionPage([.. page.Rows.Select(SessionView.From)], page.Next);
    }

    /// <summary>One session's events matching the filter, in order; pass the next cursor back as <paramref name="after"/>.</summary>
    public (IReadOnlyList<EventRow> Events, long? Next, FilterError? Error) Events(long sessionId, string? filter, int limit, long? after = null)
    {
        var (parsed, error) = ParseFilter(filter);
        if (error is not null) return ([], null, error);
        var (events, next) = Events(sessionId, parsed, limit, after);
        return (events, next, null);
    }

    public (IReadOnlyList<EventRow> Events, long? Next) Events(long sessionId, Filter? filter, int limit, long? after = null)
    {
        var page = queries.Events(sessionId, filter, limit, after);
        return (page.Rows, page.Next);
    }

    /// <summary>What the client offered in its last ClientHello on the client leg (a STARTTLS session may have had one after a failure).</summary>
    public TlsClientOffer? ClientOffer(long sessionId) =>
        AllEvents(sessionId, ProxyOnly).Select(e => e.ReadEvent()).OfType<TlsHandshake>().LastOrDefault(t => t.Leg == TlsLeg.Client && t.ClientHello is not null)
            ?.ClientHello;

    /// <summary>The findings stored with a session (recorded live, or at import), in order.</summary>
    public IReadOnlyList<FindingView> Findings(long sessionId) =>
        [.. AllEvents(sessionId, FindingsOnly).Select(e => e.ReadEvent()).OfType<FindingReported>().Select(FindingView.From)];

    /// <summary>
    /// The findings the engine draws from a stored session now, by the same code that records them live: for a
    /// session stored before the engine knew a rule, or while it is still open. Stored findings are not input.
    /// </summary>
    public IReadOnlyList<FindingReported> Analyze(long sessionId) =>
        SessionAnalyzer.Analyze(StoredSessionEvents.Read(store, sessionId, AllEvents(sessionId, null)));

    /// <summary>The <paramref name="index"/>th literal of the frame at event <paramref name="sequence"/>, with the bytes the store kept of it.</summary>
    public StoredLiteral? Literal(long sessionId, long sequence, int index)
    {
        var row = store.GetEvents(sessionId, sequence - 1, 1).FirstOrDefault(e => e.Sequence == sequence);
        if (row?.ReadEvent() is not FrameParsed { Frame: { Literals: { } literals } frame } || index < 0 || index >= literals.Count) return null;
        var literal = literals[index];
        var item = (frame as ResponseFrame)?.Data is FetchData fetch
            ? fetch.Sections?.FirstOrDefault(s => s.Literal?.Offset == literal.Offset)?.Item
            : null;
        return new StoredLiteral(sessionId, sequence, index, item, literal.Length, StoredLiterals.Kept(store, sessionId, frame.Direction, literal));
    }

    /// <summary>What the server claimed, anywhere in the session, of the message the FETCH at event <paramref name="sequence"/> is about.</summary>
    public MessageClaims Claims(long sessionId, long sequence) =>
        MessageClaims.For([.. AllEvents(sessionId, null).Select(e => e.ReadEvent())], sequence);

    /// <summary>Two stored sessions side by side; the problem when one of them cannot be read as a conversation.</summary>
    public (ComparisonView? View, string? Problem) Compare(long first, long second, bool strict = false)
    {
        var rows = new[] { store.GetSession(first), store.GetSession(second) };
        if (rows[0] is null || rows[1] is null) return (null, $"no session {(rows[0] is null ? first : second)}");
        var (a, problemA) = CapturedSessionLoader.Load(store, rows[0]!);
        var (b, problemB) = CapturedSessionLoader.Load(store, rows[1]!);
        if ((problemA ?? problemB) is { } problem) return (null, problem);
        var rulesA = Findings(first).Select(f => f.Rule).ToHashSet();
        var rulesB = Findings(second).Select(f => f.Rule).ToHashSet();
        return (new ComparisonView(first, second, rows[0]!.ClientApp, rows[1]!.ClientApp,
            [.. SessionComparison.Compare(a!, b!, strict).Select(ComparedStepView.From)],
            [.. rulesA.Except(rulesB).Order()], [.. rulesB.Except(rulesA).Order()]), null);
    }

    public IReadOnlyList<FindingTotalView> FindingTotals() =>
        [.. store.GetFindingTotals().Select(t => new FindingTotalView(t.Rule, t.Severity, t.Count, t.Sessions, t.FirstSeen, t.LastSeen))];

    private static readonly Filter FindingsOnly = Filter.Parse("finding:*");

    // The proxy's own events (TLS handshakes, actions, findings, open and close): few in any session.
    private static readonly Filter ProxyOnly = Filter.Parse("dir:proxy");

    /// <summary>Every event of a session matching the filter, page after page.</summary>
    private List<EventRow> AllEvents(long sessionId, Filter? filter)
    {
        var events = new List<EventRow>();
        long? cursor = null;
        do
        {
            var page = queries.Events(sessionId, filter, QueryService.MaxPage, cursor);
            events.AddRange(page.Rows);
            cursor = page.Next;
        }
        while (cursor is not null);
        return events;
    }

    /// <summary>Decides for live events whether they match <paramref name="filter"/> (the SSE stream and the session page).</summary>
    public LiveEventFilter LiveEvents(Filter? filter) => new(filter, queries);

    public Task ExportAsync(ExportFormat format, long sessionId, Stream destination, CancellationToken ct = default) =>
        SessionExport.WriteAsync(format, store, sessionId, destination, ct);

    /// <summary>
    /// Waits, bounded, until the store holds every event published so far. A dashboard list is the store's answer
    /// plus the live events that follow it: an event published before the query but still queued for the writer
    /// (a session that just ended) would otherwise be in neither, and its session missing until the next reload.
    /// </summary>
    private void CatchUp()
    {
        if (writer is null) return;
        using var timeout = new CancellationTokenSource(CatchUpAtMost);
        try
        {
            writer.WaitUntilWrittenAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // A store this far behind answers with what it has written; what is still queued shows on the next load.
        }
    }

    (IReadOnlyList<(long Id, long Findings)> Ids, FilterError? Error, ILiveMatcher Matcher) IDashboardQueries.SessionIds(string? text, SessionOrder order)
    {
        var (filter, error) = ParseFilter(text);
        if (error is not null) return ([], error, ILiveMatcher.All);
        CatchUp();
        return (queries.RankedSessionIds(filter, order), null, filter is null ? ILiveMatcher.All : new LiveSessions(filter));
    }

    IReadOnlyList<SessionRow> IDashboardQueries.Sessions(IReadOnlyList<long> ids) => queries.SessionsById(ids);

    (IReadOnlyList<EventRow> Events, FilterError? Error, IEventMatcher Matcher) IDashboardQueries.Events(long sessionId, string? text)
    {
        var (filter, error) = ParseFilter(text);
        if (error is not null) return ([], error, IEventMatcher.All);
        CatchUp();
        return (AllEvents(sessionId, filter), null, LiveEvents(filter));
    }

    private sealed class LiveSessions(Filter filter) : ILiveMatcher
    {
        public bool Matches(SessionRow session, SessionEvent e) =>
            filter.MatchesLiveSession(session, e is RawBytes ? null : LiveEventRows.From(e));
    }
}
