using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImapProxy.Recording.Events;

// The TLS modes are options of the relay and facts of a session (SessionOpened records them), so they live here.

/// <summary>How the proxy talks TLS to the upstream server.</summary>
public enum UpstreamTlsMode
{
    /// <summary>Implicit for port 993, STARTTLS otherwise.</summary>
    Auto,

    /// <summary>TLS from the first byte (RFC 8314).</summary>
    Implicit,

    /// <summary>Plaintext first; upgraded when the client's STARTTLS succeeds, or by the proxy itself right after the
    /// greeting when the client leg cannot mirror it (TLS listener, or --client-tls none).</summary>
    [JsonStringEnumMemberName("starttls")]
    StartTls,

    /// <summary>Plaintext, never upgraded by the proxy (a loopback test server). The client may still STARTTLS through.</summary>
    None,
}

/// <summary>How the proxy talks TLS to the client.</summary>
public enum ClientTlsMode
{
    /// <summary>Mirror the client: TLS on the TLS listener, STARTTLS when the client asks for it.</summary>
    Mirror,

    /// <summary>Bridging: the client speaks plaintext to the proxy whatever the upstream does.</summary>
    None,
}

/// <summary>
/// A TLS mode as a session records it, read leniently: earlier versions stored free text ("unknown" for imports,
/// "implicit" for a served capture's client leg), which reads back as not known rather than making the whole event
/// unreadable. Written as the enum converter of the options writes it.
/// </summary>
public sealed class RecordedTlsModeConverter<T> : JsonConverter<T?> where T : struct, Enum
{
    public override bool HandleNull => true;

    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) return null;
        var text = reader.GetString();
        foreach (var value in Enum.GetValues<T>())
        {
            if (string.Equals(JsonSerializer.Serialize(value, options).Trim('"'), text, StringComparison.OrdinalIgnoreCase)) return value;
        }
        return null;
    }

    public override void Write(Utf8JsonWriter writer, T? value, JsonSerializerOptions options)
    {
        if (value is { } v) JsonSerializer.Serialize(writer, v, options);
        else writer.WriteNullValue();
    }
}
