using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ImapProxy.Protocol;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording;

/// <summary>
/// The one JSON form of events (FrameJson's shape), both ways: what the store, the exports and the API write is
/// read back as the same records, so readers pattern-match on types instead of looking up property names.
/// </summary>
public static class EventJson
{
    public static JsonTypeInfo<SessionEvent> TypeInfo { get; } =
        (JsonTypeInfo<SessionEvent>)FrameJson.Options.GetTypeInfo(typeof(SessionEvent));

    public static string Write(SessionEvent e) => JsonSerializer.Serialize(e, TypeInfo);

    /// <summary>The event a stored JSON text holds; never throws: what cannot be read comes back as an <see cref="UnreadableEvent"/>.</summary>
    public static SessionEvent Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, TypeInfo) ?? Unreadable(json, "the JSON is null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return Unreadable(json, e.Message);
        }
    }

    private static UnreadableEvent Unreadable(string json, string error) =>
        new() { Source = EventSource.Proxy, Json = json.Length > 4096 ? json[..4096] : json, Error = error };
}
