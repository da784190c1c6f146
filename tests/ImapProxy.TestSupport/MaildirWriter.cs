namespace ImapProxy.TestSupport;

/// <summary>
/// Puts messages straight into a user's Maildir, bypassing IMAP: seeding a 200 MB mailbox this way takes
/// about as long as writing the files. Dovecot picks them up at its next sync (cur/ changed mtime).
/// </summary>
internal sealed class MaildirWriter(string maildir, int uid, int gid)
{
    private static long sequence;

    public async Task WriteAsync(string mailbox, IEnumerable<byte[]> messages, bool seen, CancellationToken ct)
    {
        var folder = EnsureFolder(mailbox);
        var flags = seen ? "S" : "";
        foreach (var message in messages)
        {
            ct.ThrowIfCancellationRequested();
            // Maildir delivery: write under tmp/, then rename, so Dovecot never sees a half-written file.
            var unique = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.M{Interlocked.Increment(ref sequence)}P{Environment.ProcessId}.imapproxy-test";
            var temporary = Path.Combine(folder, "tmp", unique);
            await File.WriteAllBytesAsync(temporary, message, ct);
            Libc.Chown(temporary, uid, gid);
            // S= (file size) and W= (size with CRLF line ends, i.e. RFC822.SIZE) spare Dovecot from reading the file
            // to learn them; ":2," starts the flags of a message that lives in cur/.
            var name = $"{unique},S={message.Length},W={message.Length + CountBareLineFeeds(message)}:2,{flags}";
            File.Move(temporary, Path.Combine(folder, "cur", name));
        }
    }

    // Dovecot's default Maildir++ layout: INBOX is the Maildir itself, "A.B" lives in Maildir/.A.B
    private string EnsureFolder(string mailbox)
    {
        var isInbox = mailbox.Equals("INBOX", StringComparison.OrdinalIgnoreCase);
        if (!isInbox && (mailbox.Length == 0 || mailbox[0] == '.' || mailbox.Any(c => c is '/' or < ' ' or > '~')))
        {
            throw new ArgumentException($"mailbox '{mailbox}': use printable ASCII, '.' as the hierarchy separator");
        }
        var folder = isInbox ? maildir : Path.Combine(maildir, "." + mailbox);
        CreateOwnedDirectory(folder);
        foreach (var sub in new[] { "cur", "new", "tmp" }) CreateOwnedDirectory(Path.Combine(folder, sub));
        if (!isInbox)
        {
            var marker = Path.Combine(folder, "maildirfolder");
            if (!File.Exists(marker))
            {
                File.WriteAllBytes(marker, []);
                Libc.Chown(marker, uid, gid);
            }
        }
        return folder;
    }

    // Creates the directory and any missing parents inside the home, all owned by the mail user.
    private void CreateOwnedDirectory(string path)
    {
        if (Directory.Exists(path)) return;
        var parent = Path.GetDirectoryName(path);
        if (parent is not null) CreateOwnedDirectory(parent);
        Directory.CreateDirectory(path);
        Libc.Chown(path, uid, gid);
    }

    private static int CountBareLineFeeds(ReadOnlySpan<byte> message)
    {
        var count = 0;
        for (var i = 0; i < message.Length; i++)
        {
            if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) count++;
        }
        return count;
    }
}
