using ImapProxy.Tests.Support;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Security;
using MimeKit;

namespace ImapProxy.Tests.Proxy;

/// <summary>Clients other than MailKit, run as real processes: python3's imaplib, curl, mbsync and fetchmail.</summary>
[Collection(DovecotCollection.Name)]
public sealed class OtherClientsTests(DovecotFixture fixture)
{
    private DovecotServer Dovecot => fixture.Server;

    [Fact]
    public async Task PythonImaplib_OverStartTls_FetchesTheMessage()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "starttls");
        var folder = await SeedFolderAsync(proxy, "python", cts.Token);

        var script = $$"""
            import imaplib, ssl
            context = ssl.create_default_context(cafile={{Py(proxy.Ca.CertificatePemPath)}})
            context.check_hostname = False
            imap = imaplib.IMAP4("127.0.0.1", {{proxy.PlainPort}})
            imap.starttls(ssl_context=context)
            imap.login("alice", {{Py(DovecotUser.Alice.Password)}})
            typ, data = imap.select({{Py(folder)}}, readonly=True)
            typ, data = imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            print(data[0][1].decode().strip())
            imap.logout()
            """;
        var result = await ProcessRunner.RunAsync("python3", ["-c", script], ProxyHarness.Timeout, cts.Token);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Subject: seeded for python", result.Output);
        await proxy.WaitForSessionsToCloseAsync();
        var session = proxy.Store.GetSessions(10).First(s => s.User == "alice" && s.ClientLegTls is not null);
        var names = proxy.Store.GetEvents(session.Id, 0, 1000).Where(e => e.Type == "command-completed").Select(e => e.Name).ToList();
        string[] expected = ["STARTTLS", "LOGIN", "EXAMINE", "FETCH", "LOGOUT"];
        Assert.Equal(expected, names.Where(expected.Contains));
        // A clean client against Dovecot: no false alarm from the findings engine (warnings and errors are counted).
        Assert.All(proxy.Store.GetSessions(10), s => Assert.Equal(0, s.Findings));
        // Which client it was, told by imaplib's tags (four letters from A to P and a number); the seeding one is MailKit.
        Assert.Equal("Python imaplib (by its tags)", session.ClientApp);
        // Its ClientHello after STARTTLS: imaplib dialled an address, so no SNI (JA4 "i"), and offered TLS 1.3 without ALPN.
        Assert.Null(session.ClientSni);
        Assert.Matches("^t13i[0-9]{4}00_", session.ClientJa4);
        Assert.Contains(proxy.Store.GetSessions(10), s => s.ClientApp == "MailKit (by its tags)");
        await RelayTests.AssertNoSecretsAsync(proxy, DovecotUser.Alice.Password);
    }

    [Fact]
    public async Task Curl_OverImplicitTls_ListsAndFetches()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");
        var folder = await SeedFolderAsync(proxy, "curl", cts.Token);
        string[] common = ["--silent", "--show-error", "--cacert", proxy.Ca.CertificatePemPath, "--user", $"alice:{DovecotUser.Alice.Password}"];

        var list = await ProcessRunner.RunAsync("curl", [.. common, $"imaps://127.0.0.1:{proxy.TlsPort}/"], ProxyHarness.Timeout, cts.Token);
        var fetch = await ProcessRunner.RunAsync("curl", [.. common, $"imaps://127.0.0.1:{proxy.TlsPort}/{folder};UID=1"], ProxyHarness.Timeout, cts.Token);

        Assert.True(list.ExitCode == 0, list.Output);
        Assert.Contains(folder, list.Output);
        Assert.True(fetch.ExitCode == 0, fetch.Output);
        Assert.Contains("Subject: seeded for curl", fetch.Output);
        await proxy.WaitForSessionsToCloseAsync();
        // The MailKit session that seeded the folder, then the two curl runs.
        Assert.Equal(3, proxy.Store.GetSessions(10).Count(s => s.User == "alice"));
        Assert.All(proxy.Store.GetSessions(10), s => Assert.Equal(0, s.Findings));
        Assert.Equal(2, proxy.Store.GetSessions(10).Count(s => s.ClientApp == "curl (by its tags)"));
        await RelayTests.AssertNoSecretsAsync(proxy, DovecotUser.Alice.Password);
    }

    /// <summary>mbsync (isync) pulls a whole folder into a Maildir, as a laptop's sync job would: its own SASL login,
    /// UID FETCH with RFC822.SIZE and BODY.PEEK[].</summary>
    [Fact]
    public async Task Mbsync_OverImplicitTls_PullsTheFolderIntoAMaildir()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");
        var folder = await SeedFolderAsync(proxy, "mbsync", cts.Token);
        var home = Directory.CreateTempSubdirectory("imapproxy-mbsync-");
        try
        {
            var config = Path.Combine(home.FullName, "mbsyncrc");
            Directory.CreateDirectory(Path.Combine(home.FullName, "mail")); // mbsync creates folders, not the store's root
            await File.WriteAllTextAsync(config, $$"""
                IMAPAccount proxy
                Host 127.0.0.1
                Port {{proxy.TlsPort}}
                User alice
                Pass "{{DovecotUser.Alice.Password}}"
                SSLType IMAPS
                CertificateFile {{proxy.Ca.CertificatePemPath}}

                IMAPStore far
                Account proxy

                MaildirStore near
                Path {{home.FullName}}/mail/
                SubFolders Verbatim

                Channel pull
                Far :far:
                Near :near:
                Patterns {{folder}}
                Create Near
                Sync Pull
                SyncState *
                """, cts.Token);

            var result = await ProcessRunner.RunAsync("mbsync", ["-c", config, "pull"], ProxyHarness.Timeout, cts.Token);

            Assert.True(result.ExitCode == 0, result.Output);
            var pulled = Assert.Single(Directory.GetFiles(Path.Combine(home.FullName, "mail", folder), "*", SearchOption.AllDirectories),
                f => Path.GetFileName(Path.GetDirectoryName(f)) is "new" or "cur");
            var text = await File.ReadAllTextAsync(pulled, cts.Token);
            Assert.Contains("Subject: seeded for mbsync", text);
            Assert.Contains("hello", text);
        }
        finally
        {
            home.Delete(recursive: true);
        }
        // mbsync numbers its commands in upper case, as K-9 Mail does: without ID, nothing names it.
        var names = await CleanClientCommandsAsync(proxy, expectedApp: null);
        Assert.Contains("UID FETCH", names);
        Assert.Contains(names, n => n is "LOGIN" or "AUTHENTICATE");
    }

    /// <summary>fetchmail collects a folder's mail and hands it to a delivery program, then deletes it on the server, as
    /// a mail-forwarding cron job would: LOGIN, SELECT, FETCH, STORE \Deleted, EXPUNGE.</summary>
    [Fact]
    public async Task Fetchmail_OverImplicitTls_DeliversTheMessageAndDeletesIt()
    {
        using var cts = new CancellationTokenSource(ProxyHarness.Timeout);
        await using var proxy = await ProxyHarness.StartAsync(Dovecot, "implicit");
        var folder = await SeedFolderAsync(proxy, "fetchmail", cts.Token);
        var home = Directory.CreateTempSubdirectory("imapproxy-fetchmail-");
        try
        {
            var delivered = Path.Combine(home.FullName, "delivered.eml");
            var config = Path.Combine(home.FullName, "fetchmailrc");
            // fetchmail refuses a run-control file others can read (it holds the password).
            await File.WriteAllTextAsync(config, "", cts.Token);
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await File.WriteAllTextAsync(config, $$"""
                set no bouncemail
                poll 127.0.0.1 protocol IMAP port {{proxy.TlsPort}}
                  user "alice" password "{{DovecotUser.Alice.Password}}" folder "{{folder}}"
                  ssl sslcertck sslcertfile "{{proxy.Ca.CertificatePemPath}}"
                  mda "/bin/sh -c 'cat > {{delivered}}'"
                """, cts.Token);

            // FETCHMAILHOME keeps its lock and id files in the test's folder, not the user's home.
            var result = await ProcessRunner.RunAsync("fetchmail", ["--nodetach", "-f", config], ProxyHarness.Timeout, cts.Token,
                new Dictionary<string, string> { ["FETCHMAILHOME"] = home.FullName });

            Assert.True(result.ExitCode == 0, result.Output);
            var text = await File.ReadAllTextAsync(delivered, cts.Token);
            Assert.Contains("Subject: seeded for fetchmail", text);
            Assert.Contains("hello", text);
        }
        finally
        {
            home.Delete(recursive: true);
        }
        // fetchmail's tags (A0001, A0002...) are Roundcube's too.
        var names = await CleanClientCommandsAsync(proxy, expectedApp: "fetchmail or Roundcube (by its tags)");
        Assert.Contains(names, n => n is "FETCH" or "UID FETCH");
        Assert.Contains("EXPUNGE", names);
    }

    /// <summary>
    /// Once every session closed, the commands the client program completed in its session (not the MailKit session
    /// that seeded the folder). A clean client against Dovecot: no session has a warning or error from the findings
    /// engine, and none keeps the password. The client program's session is named as <paramref name="expectedApp"/>.
    /// </summary>
    private static async Task<List<string?>> CleanClientCommandsAsync(ProxyHarness proxy, string? expectedApp)
    {
        await proxy.WaitForSessionsToCloseAsync();
        Assert.All(proxy.Store.GetSessions(10), s => Assert.Equal(0, s.Findings));
        await RelayTests.AssertNoSecretsAsync(proxy, DovecotUser.Alice.Password);
        var session = proxy.Store.GetSessions(10).First(s => s.User == "alice" && s.ClientApp != "MailKit (by its tags)");
        Assert.Equal(expectedApp, session.ClientApp);
        return proxy.Store.GetEvents(session.Id, 0, 1000).Where(e => e.Type == "command-completed").Select(e => e.Name).ToList();
    }

    /// <summary>A new folder holding one message, made through the proxy (that session is stored too).</summary>
    private static async Task<string> SeedFolderAsync(ProxyHarness proxy, string client, CancellationToken ct)
    {
        var name = $"{client}-{Guid.NewGuid():N}";
        using var mailkit = await proxy.ConnectAsync(DovecotUser.Alice, SecureSocketOptions.SslOnConnect, ct);
        var folder = (await mailkit.GetFolder(mailkit.PersonalNamespaces[0]).CreateAsync(name, true, ct))!;
        await folder.AppendAsync(MimeMessage.Load(new MemoryStream(SampleMessages.Text($"seeded for {client}", "hello"))), cancellationToken: ct);
        await mailkit.DisconnectAsync(true, ct);
        return name;
    }

    private static string Py(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
