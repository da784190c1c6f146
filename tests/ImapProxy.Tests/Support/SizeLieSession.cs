using ImapProxy.TestSupport;
using MailKit;
using MailKit.Security;

namespace ImapProxy.Tests.Support;

/// <summary>
/// A proxy with one finished session in its store: MailKit fetched a message whose RFC822.SIZE the server lied about
/// (a scripted server: Dovecot does not lie on cue), so the session has an rfc822-size-mismatch finding.
/// </summary>
internal static class SizeLieSession
{
    public const string Message = "Subject: sizes\r\n\r\nThe body.\r\n";

    public static async Task<ProxyHarness> RecordAsync(DovecotServer dovecot, CancellationToken ct)
    {
        using var server = new MisbehavingServer(Message, announcedSize: 9999);
        var serving = server.ServeOneAsync(ct);
        var proxy = await ProxyHarness.StartAsync(dovecot, "none", "--upstream", $"127.0.0.1:{server.Port}");
        using (var client = new MailKit.Net.Imap.ImapClient())
        {
            await client.ConnectAsync("127.0.0.1", proxy.PlainPort, SecureSocketOptions.None, ct);
            await client.AuthenticateAsync("alice", "secret", ct);
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, ct);
            var summary = (await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, ct))[0];
            (await client.Inbox.GetMessageAsync(summary.UniqueId, ct)).Dispose();
            await client.DisconnectAsync(true, ct);
        }
        await serving;
        await proxy.WaitForSessionsToCloseAsync();
        return proxy;
    }
}
