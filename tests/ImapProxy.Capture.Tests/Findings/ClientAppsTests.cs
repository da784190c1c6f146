using ImapProxy.Recording;

namespace ImapProxy.Capture.Tests.Findings;

public class ClientAppsTests
{
    [Fact]
    public void Id_NamesTheAppItsVersionAndItsSystem()
    {
        // As iOS Mail sends it (RFC 2971 field names, any case).
        var fields = new Dictionary<string, string?> { ["name"] = "iPhone Mail", ["version"] = "19E241", ["OS"] = "iOS", ["os-version"] = "15.4.1" };

        Assert.Equal("iPhone Mail 19E241 on iOS 15.4.1", ClientApps.FromId(fields));
        Assert.Equal("Thunderbird", ClientApps.FromId(new Dictionary<string, string?> { ["name"] = "Thunderbird", ["version"] = null }));
        Assert.Null(ClientApps.FromId(new Dictionary<string, string?> { ["os"] = "Linux" }));
        Assert.Null(ClientApps.FromId(null));
    }

    [Fact]
    public void Id_TextIsOneShortLine_WhateverTheClientSent()
    {
        var named = ClientApps.FromId(new Dictionary<string, string?> { ["name"] = "evil\r\n* OK " + new string('x', 500) });

        Assert.Equal(100, named!.Length);
        Assert.DoesNotContain('\n', named);
    }

    [Theory]
    [InlineData("A00000005", "MailKit (by its tags)")]
    [InlineData("C00000000", "MailKit (by its tags)")]
    [InlineData("JDLK1", "Python imaplib (by its tags)")]
    [InlineData("B001", "curl (by its tags)")]
    [InlineData("a1", null)]
    [InlineData("1", null)]
    [InlineData("A0000000", null)]
    public void Tags_BetrayOnlyClientsWithAStyleOfTheirOwn(string tag, string? app) => Assert.Equal(app, ClientApps.FromTag(tag));
}
