using System.Text.Json;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Tests;

/// <summary>Stored frames are read back from their JSON: the generic values must come back as the kinds they were.</summary>
public class FrameJsonTests
{
    private const string Stored = """
        {"kind":"command","direction":"client","offset":0,"length":60,"tag":"a1","command":"XAPPLE","arguments":["atom","two words",null,["nested",["\\Seen"]],{"literal":{"offset":30,"length":5000}},"Grüße",""]}
        """;

    [Fact]
    public void GenericValues_ComeBackAsAtomsStringsNilListsAndLiterals()
    {
        var command = Assert.IsType<CommandFrame>(JsonSerializer.Deserialize<ImapFrame>(Stored, FrameJson.Options));
        var values = command.Arguments!;

        Assert.Equal("atom", Assert.IsType<ImapAtom>(values[0]).Text);
        // A space, 8-bit text or nothing at all cannot be an atom on the wire: these were strings.
        Assert.Equal("two words", Assert.IsType<ImapString>(values[1]).Text);
        Assert.IsType<ImapNil>(values[2]);
        var nested = Assert.IsType<ImapList>(values[3]);
        Assert.Equal("\\Seen", Assert.IsType<ImapAtom>(Assert.Single(Assert.IsType<ImapList>(nested.Items[1]).Items)).Text);
        var literal = Assert.IsType<ImapString>(values[4]);
        Assert.Equal((30L, 5000L, (string?)null), (literal.Literal!.Offset, literal.Literal.Length, literal.Text));
        Assert.Equal("Grüße", Assert.IsType<ImapString>(values[5]).Text);
        Assert.Equal("", Assert.IsType<ImapString>(values[6]).Text);
    }

    [Fact]
    public void ReadBack_WritesTheSameJson()
    {
        var frame = JsonSerializer.Deserialize<ImapFrame>(Stored, FrameJson.Options)!;

        Assert.Equal(Stored.Trim(), FrameJson.Serialize(frame));
    }

    [Theory]
    [InlineData("""{"other":1}""", "an IMAP value object must be {\"literal\": …}")]
    [InlineData("42", "Number is not an IMAP value")]
    [InlineData("true", "True is not an IMAP value")]
    public void JsonThatIsNoImapValue_IsRefusedWithAReason(string value, string reason)
    {
        var json = Stored.Replace("\"atom\"", value);

        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ImapFrame>(json, FrameJson.Options));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void ALiteralsObject_WithFieldsThisVersionDoesNotKnow_IsStillRead()
    {
        var json = Stored.Replace("{\"literal\":", "{\"note\":{\"x\":[1,2]},\"literal\":");

        var command = Assert.IsType<CommandFrame>(JsonSerializer.Deserialize<ImapFrame>(json, FrameJson.Options));
        Assert.Equal(5000L, Assert.IsType<ImapString>(command.Arguments![4]).Literal!.Length);
    }
}
