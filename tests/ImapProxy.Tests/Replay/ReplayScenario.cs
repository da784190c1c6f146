using System.Security.Cryptography;
using ImapProxy.Recording.Bus;
using ImapProxy.Replay;
using ImapProxy.Replay.Captured;
using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.DependencyInjection;

namespace ImapProxy.Tests.Replay;

/// <summary>What the replay tests share: a folder of their own on the real Dovecot, and a MailKit client's view of it.</summary>
internal static class ReplayScenario
{
    /// <summary>Creates a fresh folder for alice holding <paramref name="messages"/> (straight to Dovecot, not through the proxy).</summary>
    public static async Task<string> CreateFolderAsync(DovecotServer dovecot, CancellationToken ct, params byte[][] messages)
    {
        var name = $"replay-{Guid.NewGuid():N}"[..20];
        using var client = await dovecot.ConnectAsync(DovecotUser.Alice, ct: ct);
        var folder = await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(name, true, ct) ?? throw new InvalidOperationException($"could not create {name}");
        foreach (var message in messages) await folder.AppendAsync(MimeKit.MimeMessage.Load(new MemoryStream(message)), MessageFlags.Seen, ct);
        await client.DisconnectAsync(true, ct);
        return name;
    }

    /// <summary>
    /// What a mail app would show of <paramref name="folderName"/>: the folder list, each message's flags, size,
    /// subject, MIME structure and a hash of its whole body. Ends with LOGOUT.
    /// </summary>
    public static async Task<string> ObserveAsync(ImapClient client, string folderName, CancellationToken ct)
    {
        var personal = client.GetFolder(client.PersonalNamespaces[0]);
        var lines = new List<string> { "folders: " + string.Join(",", (await personal.GetSubfoldersAsync(false, ct)).Select(f => f.FullName).Order()) };
        var folder = await personal.GetSubfolderAsync(folderName, ct);
        await folder.OpenAsync(FolderAccess.ReadOnly, ct);
        var items = MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.Size | MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure;
        foreach (var summary in await folder.FetchAsync(0, -1, items, ct))
        {
            using var body = new MemoryStream();
            (await folder.GetMessageAsync(summary.UniqueId, ct)).WriteTo(body);
            lines.Add($"{summary.UniqueId} {summary.Flags} {summary.Size} {summary.Envelope!.Subject} {summary.Body} {Convert.ToHexString(SHA256.HashData(body.ToArray()))}");
        }
        await client.DisconnectAsync(true, ct);
        return string.Join("\n", lines);
    }

    /// <summary>A stored session, read back for replay.</summary>
    public static CapturedSession Captured(ProxyHarness proxy, long id)
    {
        var verdict = ReplayCheck.Check(proxy.Store, id);
        Assert.True(verdict.Session is not null, verdict.ClientReplay);
        return verdict.Session!;
    }

    /// <summary>Replays record into the proxy's own store through its bus, as the dashboard's replays do.</summary>
    public static ReplayRecorder Recorder(ProxyHarness proxy) =>
        new(proxy.Store, proxy.Services.GetRequiredService<EventBus>());
}
