using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImapProxy.Protocol;

namespace ImapProxy.Replay.Diff;

/// <summary>Small operations on parsed frames (FrameJson's shape) that the replay compares.</summary>
internal static class JsonShape
{
    /// <summary>For people to read: mail text stays as it is (the dashboard escapes on render).</summary>
    public static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = 1024 };

    /// <summary>A parsed frame or part of one as a JSON element, however deep it nests.</summary>
    public static JsonElement Of<T>(T value) => JsonSerializer.SerializeToElement(value, FrameJson.Options);

    /// <summary>A copy of <paramref name="element"/> without the properties named in <paramref name="names"/>, at any depth.</summary>
    public static JsonNode? Without(JsonElement element, IReadOnlySet<string> names)
    {
        var node = JsonNode.Parse(element.GetRawText(), documentOptions: FrameJson.DocumentOptions);
        Strip(node, names);
        return node;
    }

    private static void Strip(JsonNode? node, IReadOnlySet<string> names)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var name in o.Select(p => p.Key).Where(names.Contains).ToList()) o.Remove(name);
                foreach (var (_, child) in o) Strip(child, names);
                break;
            case JsonArray a:
                foreach (var child in a) Strip(child, names);
                break;
        }
    }

    /// <summary>Every leaf as "path = value", e.g. <c>data.envelope.subject</c>, <c>data.bodyStructure.parts[1].size</c>.</summary>
    public static SortedDictionary<string, string> Flatten(JsonNode? node)
    {
        var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Flatten(node, "", leaves);
        return leaves;
    }

    private static void Flatten(JsonNode? node, string path, SortedDictionary<string, string> leaves)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o) Flatten(child, path.Length == 0 ? name : $"{path}.{name}", leaves);
                break;
            // A list of words (flags, capabilities) reads best whole: data.flags: [] -> ["\\Flagged"].
            case JsonArray a when a.All(item => item is JsonValue or null):
                leaves[path] = a.ToJsonString(Readable);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) Flatten(a[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", leaves);
                break;
            default:
                leaves[path] = node?.ToJsonString(Readable) ?? "null";
                break;
        }
    }
}
