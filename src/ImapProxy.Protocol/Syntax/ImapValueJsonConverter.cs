using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImapProxy.Protocol.Syntax;

/// <summary>
/// Writes the generic syntax tree compactly: atoms and strings as JSON strings, NIL as null, lists as arrays,
/// a literal too large to keep as <c>{"literal": {offset, length}}</c>. Read-only: frames are never deserialized.
/// </summary>
public sealed class ImapValueJsonConverter : JsonConverter<ImapValue>
{
    public override ImapValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("IMAP values are written, not read");

    public override void Write(Utf8JsonWriter writer, ImapValue value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case ImapAtom atom:
                writer.WriteStringValue(atom.Text);
                break;
            case ImapString { Text: { } text }:
                writer.WriteStringValue(text);
                break;
            case ImapString str:
                writer.WriteStartObject();
                writer.WritePropertyName("literal");
                JsonSerializer.Serialize(writer, str.Literal, options);
                writer.WriteEndObject();
                break;
            case ImapList list:
                writer.WriteStartArray();
                foreach (var item in list.Items) Write(writer, item, options);
                writer.WriteEndArray();
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
