using System.Globalization;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>
/// SEARCH BEFORE/ON/SINCE against the INTERNALDATEs fetched in the same session: RFC 3501 §6.4.4 compares the
/// internal date's own calendar day, disregarding time and timezone, so a message sent back for a day it is not on
/// is the server's mistake (usually a day computed in UTC or in the server's zone).
/// </summary>
internal sealed class SearchDateChecks : ISessionCheck
{
    private const int MaxMessages = 50_000;
    private const int MaxReturned = 10_000;

    private readonly Dictionary<MessageKey, (DateOnly Day, long Sequence)> days = [];

    // The date search in progress, by tag: which key, which day, and whether numbers are UIDs.
    private readonly Dictionary<string, (string Key, DateOnly Day, bool Uid, long Sequence)> searches = new(StringComparer.Ordinal);

    public void Observe(SessionEvent e, AnalysisState state, FindingList found)
    {
        switch (e)
        {
            case FrameParsed { Frame: ResponseFrame { Data: FetchData { InternalDate: { } text } fetch } }
                when days.Count < MaxMessages && Day(text.Trim().Split(' ')[0]) is { } day:
                if (fetch.Uid is { } uid) days[MessageKey.ByUidIn(state, uid)] = (day, e.Sequence);
                days[MessageKey.ByNumberIn(state, fetch.SequenceNumber)] = (day, e.Sequence);
                break;
            case FrameParsed { Frame: CommandFrame { Args: SearchArgs { Criteria: SearchTerm { Key: var key, Args: [var arg] } } search, Tag: var tag } }
                when key.ToUpperInvariant() is "BEFORE" or "ON" or "SINCE" && Day(arg.AsText()) is { } searched:
                searches[tag] = (key.ToUpperInvariant(), searched, search.Uid, e.Sequence);
                break;
            case FrameParsed { Frame: ResponseFrame { Data: SearchData { Numbers: var numbers } } }:
                Judge(numbers, state, e.Sequence, found);
                break;
            case FrameParsed { Frame: ResponseFrame { Data: ESearchData { Tag: { } tag, Items: var items } } }
                when items.TryGetValue("ALL", out var all) && searches.ContainsKey(tag):
                Judge(UidSets.Numbers(all, MaxReturned), state, e.Sequence, found, tag);
                break;
            case FrameParsed { Frame: ResponseFrame { ResponseKind: ResponseKind.Tagged, Tag: { } done } }:
                searches.Remove(done);
                break;
        }
    }

    private void Judge(IReadOnlyList<ulong> numbers, AnalysisState state, long sequence, FindingList found, string? tag = null)
    {
        // Untagged SEARCH answers the one search in progress; ESEARCH names its command.
        if (tag is null && searches.Count != 1) return;
        var (key, searched, uid, commandAt) = searches[tag ?? searches.Keys.First()];
        foreach (var number in numbers.Take(MaxReturned))
        {
            var messageKey = uid ? MessageKey.ByUidIn(state, number) : MessageKey.ByNumberIn(state, number);
            if (!days.TryGetValue(messageKey, out var known) || Matches(key, known.Day, searched)) continue;
            found.Add(FindingRules.SearchDateContradiction.Report(
                $"{(uid ? "UID " : "")}SEARCH {key} {Text(searched)} returned {(uid ? "UID" : "message")} {number}, whose INTERNALDATE is on {Text(known.Day)}",
                known.Sequence, commandAt, sequence));
            return; // one per search: the rest of the answer has the same cause
        }
    }

    private static bool Matches(string key, DateOnly day, DateOnly searched) => key switch
    {
        "BEFORE" => day < searched,
        "ON" => day == searched,
        _ => day >= searched,
    };

    /// <summary>"1-Feb-1994" or "01-Feb-1994" (RFC 3501 §9 date-text; INTERNALDATE pads the day with a space or a zero: "d" reads both).</summary>
    private static DateOnly? Day(string? text) =>
        DateOnly.TryParseExact(text?.Trim().Trim('"'), "d-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : null;

    private static string Text(DateOnly day) => day.ToString("d-MMM-yyyy", CultureInfo.InvariantCulture);

}
