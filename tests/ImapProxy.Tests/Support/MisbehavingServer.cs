using System.Net.Sockets;
using System.Text;

namespace ImapProxy.Tests.Support;

/// <summary>
/// A small IMAP server on 127.0.0.1 that ships one well-known server bug: it answers RFC822.SIZE with a size other
/// than the message it sends. Scripted because a real Dovecot cannot be made to lie on cue. It answers what MailKit
/// and imaplib send for login, listing, selecting and fetching; anything else gets a plain OK.
/// </summary>
internal sealed class MisbehavingServer(string message, long announcedSize) : IDisposable
{
    private readonly FakeUpstream listener = new();

    public int Port => listener.Port;

    public Task ServeOneAsync(CancellationToken ct) => listener.ServeOneAsync(async socket =>
    {
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        async Task Send(string text) => await stream.WriteAsync(Encoding.Latin1.GetBytes(text), ct);
        await Send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] scripted server ready\r\n");
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var words = line.Split(' ', 3);
            if (words.Length < 2) continue;
            var (tag, command, rest) = (words[0], words[1].ToUpperInvariant(), words.Length > 2 ? words[2] : "");
            if (command == "UID" && rest.Split(' ', 2) is [var inner, var args]) (command, rest) = ("UID " + inner.ToUpperInvariant(), args);
            switch (command)
            {
                case "CAPABILITY":
                    await Send($"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n");
                    break;
                case "AUTHENTICATE":
                    // SASL-IR is not announced: the client waits for the continuation before its PLAIN response.
                    await Send("+ \r\n");
                    await reader.ReadLineAsync(ct);
                    await Send($"{tag} OK [CAPABILITY IMAP4rev1] logged in\r\n");
                    break;
                case "LOGIN":
                    await Send($"{tag} OK [CAPABILITY IMAP4rev1] logged in\r\n");
                    break;
                case "LIST":
                    await Send($"* LIST (\\HasNoChildren) \"/\" INBOX\r\n{tag} OK done\r\n");
                    break;
                case "SELECT" or "EXAMINE":
                    await Send($"* FLAGS (\\Seen)\r\n* 1 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n{tag} OK [READ-WRITE] selected\r\n");
                    break;
                case "FETCH" or "UID FETCH" when rest.Contains("BODY", StringComparison.OrdinalIgnoreCase) || rest.Contains("RFC822)", StringComparison.OrdinalIgnoreCase):
                    await Send($"* 1 FETCH (UID 1 BODY[] {{{Encoding.Latin1.GetByteCount(message)}}}\r\n{message})\r\n{tag} OK done\r\n");
                    break;
                case "FETCH" or "UID FETCH":
                    await Send($"* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE {announcedSize})\r\n{tag} OK done\r\n");
                    break;
                case "LOGOUT":
                    await Send($"* BYE bye\r\n{tag} OK done\r\n");
                    socket.Shutdown(SocketShutdown.Both);
                    return true;
                default:
                    await Send($"{tag} OK done\r\n");
                    break;
            }
        }
        return true;
    }, ct);

    public void Dispose() => listener.Dispose();
}
