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
    [InlineData("A00000005", null, "MailKit (by its tags)")]
    [InlineData("C00000000", null, "MailKit (by its tags)")]
    [InlineData("JDLK1", null, "Python imaplib (by its tags)")]
    [InlineData("B001", null, "curl (by its tags)")]
    [InlineData("A00012", null, "Evolution (by its tags)")]
    [InlineData("A0001", null, "fetchmail or Roundcube (by its tags)")]
    [InlineData("a0000", null, "mutt or NeoMutt (by its tags)")]
    [InlineData("c0013", null, "mutt or NeoMutt (by its tags)")]
    [InlineData("A0", null, "JavaMail (by its tags)")]
    [InlineData("AB0", null, "JavaMail (by its tags)")]
    [InlineData("0000001a", null, "Alpine or another UW c-client program (by its tags)")]
    [InlineData("3", "capability", "Thunderbird (by its habits)")]
    [InlineData("57", "UID fetch", "Thunderbird (by its habits)")]
    // Numbered tags in upper case: K-9 Mail, mbsync and others write these; nothing names them.
    [InlineData("1", null, null)]
    [InlineData("12", "UID FETCH", null)]
    [InlineData("0", "capability", null)]
    [InlineData("a1", "capability", null)]
    [InlineData("4", "Capability", null)]
    // A JavaMail connection's later commands, and iOS Mail's A1, A2...: too common a style to name.
    [InlineData("A1", null, null)]
    [InlineData("A10", null, null)]
    [InlineData("A0000000", null, null)]
    [InlineData("0000001A", null, null)]
    public void Habits_BetrayOnlyClientsWithAStyleOfTheirOwn(string tag, string? nameAsSent, string? app) =>
        Assert.Equal(app, ClientApps.FromHabits(tag, nameAsSent));
}
