using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImapProxy.Protocol;

/// <summary>The one JSON shape of frames, shared by the CLI, the store and the API: camelCase, enums as
/// kebab-case strings, nulls left out.</summary>
public static class FrameJson
{
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>For reading frames back: as deep as <see cref="Options"/> writes (a hostile peer's nesting must not throw).</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = 1024 };

    public static string Serialize(ImapFrame frame) => JsonSerializer.Serialize(frame, Options);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // BODYSTRUCTURE of nested multiparts nests deeper than the default of 64.
            MaxDepth = 1024,
            WriteIndented = indented,
            // Frames are data for tools and for the dashboard, which escapes on render; keep the text readable.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
