using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Findings;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>BODY[section] part numbers against a BODYSTRUCTURE tree, as RFC 3501 §6.4.5 numbers parts.</summary>
public class BodyPartsTests
{
    private static readonly BodyPart Plain = new("text", "plain");
    private static readonly BodyPart Html = new("text", "html");
    private static readonly BodyPart Png = new("image", "png");
    private static readonly BodyPart Alternative = new("multipart", "alternative") { Parts = [Plain, Html] };
    private static readonly BodyPart Forwarded = new("message", "rfc822") { Message = Alternative };

    /// <summary>1 text/plain; 2 a forwarded message (2.1 and 2.2 its alternative's parts); 3 image/png.</summary>
    private static readonly BodyPart Mixed = new("multipart", "mixed") { Parts = [Plain, Forwarded, Png] };

    [Theory]
    [InlineData("1", true)]
    [InlineData("2.1.3", true)]
    [InlineData("19", true)]
    [InlineData("", false)]
    [InlineData("1.", false)]
    [InlineData(".1", false)]
    [InlineData("1..2", false)]
    [InlineData("1.MIME", false)]
    [InlineData("TEXT", false)]
    [InlineData("HEADER.FIELDS (From)", false)]
    [InlineData("/1", false)]
    [InlineData("1:2", false)]
    public void APartNumber_IsDigitsAndInnerDots_WithoutASuffix(string section, bool expected) =>
        Assert.Equal(expected, BodyParts.IsPartNumber(section));

    [Fact]
    public void PartsOfAMultipart_AreNumberedFromOne_AndNumbersGoOnIntoAForwardedMessage()
    {
        Assert.Same(Plain, BodyParts.Find(Mixed, "1"));
        Assert.Same(Forwarded, BodyParts.Find(Mixed, "2"));
        Assert.Same(Plain, BodyParts.Find(Mixed, "2.1"));
        Assert.Same(Html, BodyParts.Find(Mixed, "2.2"));
        Assert.Same(Png, BodyParts.Find(Mixed, "3"));
    }

    [Theory]
    [InlineData("4")]
    [InlineData("0")]
    [InlineData("2.3")]
    [InlineData("3.2")]
    [InlineData("x")]
    [InlineData("-1")]
    public void APartThatIsNotThere_IsNone(string section) => Assert.Null(BodyParts.Find(Mixed, section));

    [Fact]
    public void ASinglePartMessage_HasOnlyPartOne()
    {
        Assert.Same(Plain, BodyParts.Find(Plain, "1"));
        Assert.Null(BodyParts.Find(Plain, "2"));
    }

    [Fact]
    public void AMessageThatIsItselfAForwardedMessage_IsPartOne_AndItsMessagesPartsFollow()
    {
        Assert.Same(Forwarded, BodyParts.Find(Forwarded, "1"));
        Assert.Same(Html, BodyParts.Find(Forwarded, "1.2"));
    }
}
