using System.Globalization;
using System.Text.Json.Nodes;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Responses;

namespace ImapProxy.Replay.Diff;

/// <summary>One difference between the captured and the replayed answer to a command.</summary>
/// <param name="Kind">"changed" (a value of a response both have), "missing" (only in the capture), "added" (only in the replay).</param>
/// <param name="Response">Which response: <c>* 3 FETCH</c>, <c>* LIST INBOX</c>, <c>* OK #2</c>, <c>+</c>, <c>tagged</c>.</param>
/// <param name="Path">For "changed": the field, e.g. <c>data.rfc822Size</c>.</param>
public sealed record ResponseChange(string Kind, string Response, string? Path, string? Original, string? Replay);

/// <summary>
/// Compares the parsed responses to one command, not their text: responses are paired by what they are about
/// (the tagged completion, a FETCH's message number, a LIST's mailbox), then compared field by field. Values that
/// differ between two equal servers are left out unless strict: the free text of status responses, UIDs,
/// UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ, APPENDUID/COPYUID, INTERNALDATE, MODSEQ, \Recent and RECENT counts, a LIST's
/// \Marked/\Unmarked, and continuation requests.
/// </summary>
public static class ResponseDiff
{
    // JSON names of where the bytes were, never what they said (the frame's and its literals' positions). Stripped at
    // any depth, so a key of that name in a map the server chose (MIME parameters, ID fields) is left out too.
    private static readonly HashSet<string> Positional = ["offset", "length", "direction", "redactions", "diagnostics", "tag", "completes", "literals", "literal"];
    private static readonly HashSet<string> Hints = new(["\\Marked", "\\Unmarked"], StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> VolatileCodes = new(["UIDVALIDITY", "UIDNEXT", "HIGHESTMODSEQ", "APPENDUID", "COPYUID"], StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<ResponseChange> Compare(IReadOnlyList<ResponseFrame> original, IReadOnlyList<ResponseFrame> replay, bool strict = false)
    {
        var left = Identify(original, strict);
        var right = Identify(replay, strict).ToDictionary(r => r.Key);
        var changes = new List<ResponseChange>();
        foreach (var (key, label, node, _) in left)
        {
            if (!right.Remove(key, out var other))
            {
                changes.Add(new ResponseChange("missing", label, null, Summary(node), null));
                continue;
            }
            var a = JsonShape.Flatten(node);
            var b = JsonShape.Flatten(other.Node);
            foreach (var path in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
            {
                var before = a.GetValueOrDefault(path);
                var after = b.GetValueOrDefault(path);
                if (before != after) changes.Add(new ResponseChange("changed", label, path, before, after));
            }
        }
        changes.AddRange(right.Values.OrderBy(r => r.Position).Select(r => new ResponseChange("added", r.Label, null, null, Summary(r.Node))));
        return changes;
    }

    private sealed record Identified(string Key, string Label, JsonNode? Node, int Position);

    private static List<Identified> Identify(IReadOnlyList<ResponseFrame> responses, bool strict)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<Identified>();
        for (var i = 0; i < responses.Count; i++)
        {
            var label = Label(responses[i]);
            // Continuations are the exchange's mechanics (a literal's go-ahead, a SASL challenge with its nonce):
            // whether the server accepted shows in its answer. Strict compares them too.
            if (label == "+" && !strict) continue;
            // The second "* OK" is "* OK #2": responses without an identity pair up in order. The key keeps the
            // count apart from the label (NUL is in no IMAP string), so a mailbox named "INBOX #2" is no second INBOX.
            var n = seen[label] = seen.GetValueOrDefault(label) + 1;
            var count = n.ToString(CultureInfo.InvariantCulture);
            var node = JsonShape.Without(JsonShape.Of(Normalise(responses[i], strict)), Positional);
            result.Add(new Identified($"{label}\0{count}", n == 1 ? label : $"{label} #{count}", node, i));
        }
        return result;
    }

    private static string Label(ResponseFrame response)
    {
        if (response.ResponseKind == ResponseKind.Continuation) return "+";
        if (response.ResponseKind == ResponseKind.Tagged) return "tagged";
        var name = response.Name ?? response.Status?.ToString().ToUpperInvariant() ?? response.ResponseKind.ToString().ToLowerInvariant();
        return response.Data switch
        {
            FetchData fetch => $"* {fetch.SequenceNumber.ToString(CultureInfo.InvariantCulture)} {name}",
            ListData list => $"* {name} {list.Mailbox}",
            StatusData status => $"* {name} {status.Mailbox}",
            _ => $"* {name}",
        };
    }

    /// <summary>The response without what differs between two equal servers (unless strict).</summary>
    private static ResponseFrame Normalise(ResponseFrame response, bool strict)
    {
        if (strict) return response;
        response = response with { Text = null };
        // Of these codes only the name says something; their numbers are the server's bookkeeping.
        if (response.Code is { } code && VolatileCodes.Contains(code.Name)) response = response with { Code = new ResponseCode(code.Name) };
        if (response.Data is FetchData fetch)
        {
            response = response with
            {
                Data = fetch with
                {
                    Uid = null, InternalDate = null, ModSeq = null,
                    // \Recent says which session looked first, not what the mailbox holds (RFC 9051 dropped it).
                    Flags = fetch.Flags?.Where(f => !f.Equals("\\Recent", StringComparison.OrdinalIgnoreCase)).ToList(),
                },
            };
        }
        if (response.Name == "RECENT") response = response with { Data = null };
        // \Marked and \Unmarked are the server's hint of new mail since it last looked, given at will (RFC 3501 §7.2.2).
        if (response.Data is ListData list)
            response = response with { Data = list with { Flags = list.Flags.Where(f => !Hints.Contains(f)).ToList() } };
        return response;
    }

    private static string Summary(JsonNode? node)
    {
        var text = node?.ToJsonString(JsonShape.Readable) ?? "";
        return text.Length <= 300 ? text : text[..300] + "…";
    }
}
