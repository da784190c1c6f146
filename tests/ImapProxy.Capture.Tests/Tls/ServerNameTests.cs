using ImapProxy.Tls;

namespace ImapProxy.Capture.Tests.Tls;

public sealed class ServerNameTests
{
    [Theory]
    [InlineData("imap.example.com", "imap.example.com", false)]
    [InlineData(" Mail.Example.COM. ", "mail.example.com", false)]
    [InlineData("my_host.corp", "my_host.corp", false)]
    [InlineData("10.0.0.1", "10.0.0.1", true)]
    [InlineData("1", "1", false)]  // IPAddress.TryParse would read "0.0.0.1"; as a name it is a label
    [InlineData("2001:DB8::1", "2001:db8::1", true)]
    [InlineData("fe80::1%3", "fe80::1", true)]
    public void Parse_ValidInput_Normalises(string input, string expected, bool isIp)
    {
        var name = ServerName.Parse(input);

        Assert.Equal(expected, name.Value);
        Assert.Equal(isIp, name.IsIpAddress);
    }

    [Theory]
    [InlineData("")]
    [InlineData("exa mple.com")]
    [InlineData("ex\u00e4mple.com")]
    [InlineData("a/b")]
    [InlineData("-a.com")]
    public void Parse_InvalidInput_Throws(string input) =>
        Assert.Throws<ArgumentException>(() => ServerName.Parse(input));

    [Fact]
    public void Parse_OverlongName_Throws() =>
        Assert.Throws<ArgumentException>(() => ServerName.Parse(string.Join('.', Enumerable.Repeat(new string('a', 63), 5))));
}
