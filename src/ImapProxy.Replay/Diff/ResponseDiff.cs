using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

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
/// UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ, APPENDUID/COPYUID, INTERNALDATE, MODSEQ, \Recent and RECENT counts, and
/// continuation requests.
/// </summary>
public static class ResponseDiff
{
    // Where the bytes were, never what they said.
    private static readonly HashSet<string> Positional = ["offset", "direction", "redactions", "diagnostics", "tag", "completes"];
    private static readonly HashSet<string> VolatileCodes = new(["UIDVALIDITY", "UIDNEXT", "HIGHESTMODSEQ", "APPENDUID", "COPYUID"], StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<ResponseChange> Compare(IReadOnlyList<JsonElement> original, IReadOnlyList<JsonElement> replay, bool strict = false)
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

    private static List<Identified> Identify(IReadOnlyList<JsonElement> responses, bool strict)
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
            result.Add(new Identified($"{label}\0{count}", n == 1 ? label : $"{label} #{count}", Normalise(responses[i], strict), i));
        }
        return result;
    }

    private static string Label(JsonElement response)
    {
        var kind = Text(response, "responseKind");
        if (kind == "continuation") return "+";
        if (kind == "tagged") return "tagged";
        var name = Text(response, "name") ?? Text(response, "status")?.ToUpperInvariant() ?? kind ?? "?";
        if (!response.TryGetProperty("data", out var data)) return $"* {name}";
        if (data.TryGetProperty("sequenceNumber", out var number)) return $"* {number.GetRawText()} {name}";
        if (data.TryGetProperty("mailbox", out var mailbox)) return $"* {name} {mailbox.GetString()}";
        return $"* {name}";
    }

    private static JsonNode? Normalise(JsonElement response, bool strict)
    {
        var node = JsonShape.Without(response, Positional);
        if (node is not JsonObject o) return node;
        o.Remove("length"); // of the frame: follows its text
        RemoveLiteralPositions(o);
        if (strict) return o;
        o.Remove("text");
        // Of these codes only the name says something; their numbers are the server's bookkeeping.
        if (o["code"] is JsonObject code && code["name"]?.GetValue<string>() is { } codeName && VolatileCodes.Contains(codeName))
            o["code"] = new JsonObject { ["name"] = codeName };
        var name = o["name"]?.GetValue<string>();
        if (o["data"] is JsonObject data && name == "FETCH")
        {
            data.Remove("uid");
            data.Remove("internalDate");
            data.Remove("modSeq");
            // \Recent says which session looked first, not what the mailbox holds (RFC 9051 dropped it).
            if (data["flags"] is JsonArray flags)
                foreach (var recent in flags.Where(f => string.Equals(f?.GetValue<string>(), "\\Recent", StringComparison.OrdinalIgnoreCase)).ToList())
                    flags.Remove(recent);
        }
        if (name == "RECENT") o.Remove("data");
        return o;
    }

    /// <summary>Literals say where their bytes were; their length stays, as "size" of the section.</summary>
    private static void RemoveLiteralPositions(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                o.Remove("literals");
                o.Remove("literal");
                foreach (var (_, child) in o) RemoveLiteralPositions(child);
                break;
            case JsonArray a:
                foreach (var child in a) RemoveLiteralPositions(child);
                break;
        }
    }

    private static string Summary(JsonNode? node)
    {
        var text = node?.ToJsonString(JsonShape.Readable) ?? "";
        return text.Length <= 300 ? text : text[..300] + "…";
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
