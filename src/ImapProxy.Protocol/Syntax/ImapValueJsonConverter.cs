using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol.Syntax;

/// <summary>
/// The generic syntax tree in JSON, compactly: atoms and strings as JSON strings, NIL as null, lists as arrays,
/// a literal too large to keep as <c>{"literal": {offset, length}}</c>. Read back, a JSON string is an atom when it
/// could be one on the wire and a string otherwise: the JSON does not say which it was (the raw bytes do), and
/// readers ask for <see cref="ImapValue.AsText"/> either way.
/// </summary>
public sealed class ImapValueJsonConverter : JsonConverter<ImapValue>
{
    // The reader does not call converters for null tokens unless asked: NIL must come back as ImapNil, not null.
    public override bool HandleNull => true;

    public override ImapValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return ImapNil.Instance;
            case JsonTokenType.String:
                var text = reader.GetString()!;
                return CouldBeAtom(text) ? new ImapAtom(text) : new ImapString(Encoding.UTF8.GetBytes(text), null);
            case JsonTokenType.StartArray:
                var items = new List<ImapValue>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(Read(ref reader, typeToConvert, options));
                return new ImapList(items);
            case JsonTokenType.StartObject:
                Literal? literal = null;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString();
                    reader.Read();
                    if (name == "literal") literal = JsonSerializer.Deserialize<Literal>(ref reader, options);
                    else reader.Skip();
                }
                return new ImapString(null, literal ?? throw new JsonException("an IMAP value object must be {\"literal\": …}"));
            default:
                throw new JsonException($"{reader.TokenType} is not an IMAP value");
        }
    }

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

    /// <summary>RFC 3501 §9 atom: no space, control character or atom-special that a flag or section would not carry.</summary>
    private static bool CouldBeAtom(string text) =>
        text.Length > 0 && !text.Any(c => c is <= ' ' or '\x7f' or '(' or ')' or '{' or '"' || c > '\x7f');
}
