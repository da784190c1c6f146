using System.Net.Sockets;
using System.Text;
using ImapProxy.TestSupport;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;

namespace ImapProxy.Tests.TestSupport;

[Collection(DovecotCollection.Name)]
public sealed class DovecotServerTests(DovecotFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    private DovecotServer Server => fixture.Server;

    [Theory]
    [InlineData(SecureSocketOptions.None, false)]
    [InlineData(SecureSocketOptions.StartTls, true)]
    [InlineData(SecureSocketOptions.SslOnConnect, true)]
    public async Task Login_Succeeds(SecureSocketOptions security, bool secure)
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        using var client = Server.CreateImapClient();
        var port = security == SecureSocketOptions.SslOnConnect ? Server.ImapsPort : Server.ImapPort;

        await client.ConnectAsync(DovecotServer.Host, port, security, cts.Token);
        await client.AuthenticateAsync(DovecotUser.Alice.Name, DovecotUser.Alice.Password, cts.Token);

        Assert.True(client.IsAuthenticated);
        Assert.Equal(secure, client.IsSecure);
        await client.DisconnectAsync(quit: true, cts.Token);
        output.WriteLine($"Dovecot started in {Server.StartupDuration.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Login_WithWrongPassword_IsRejected()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        using var client = Server.CreateImapClient();
        await client.ConnectAsync(DovecotServer.Host, Server.ImapPort, SecureSocketOptions.None, cts.Token);

        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice", "wrong", cts.Token));
    }

    [Fact]
    public async Task Append_ThenFetch_ReturnsTheMessage()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        using var client = await Server.ConnectAsync(DovecotUser.Bob, ct: cts.Token);
        var folder = await CreateUniqueFolderAsync(client, "append", cts.Token);
        var message = MimeMessage.Load(new MemoryStream(SampleMessages.Text("Appended", "Hello from the fixture test.")));

        await folder.OpenAsync(FolderAccess.ReadWrite, cts.Token);
        var uid = await folder.AppendAsync(message, MessageFlags.None, cts.Token);
        var fetched = await folder.GetMessageAsync(uid!.Value, cts.Token);

        Assert.Equal("Appended", fetched.Subject);
        Assert.Equal(message.MessageId, fetched.MessageId);
        Assert.Contains("Hello from the fixture test.", fetched.TextBody);
    }

    [Fact]
    public async Task SeedMaildir_MessagesAreFetchableAndWritable()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        using var client = await Server.ConnectAsync(DovecotUser.Bob, ct: cts.Token);
        var mailbox = $"seeded-{Guid.NewGuid():N}";

        await Server.SeedMaildirAsync("bob", [.. Enumerable.Range(1, 3).Select(i => SampleMessages.Text($"Seeded {i}", $"Body {i}"))],
            mailbox, ct: cts.Token);
        var folder = await client.GetFolderAsync(mailbox, cts.Token);
        await folder.OpenAsync(FolderAccess.ReadWrite, cts.Token);
        var summaries = await folder.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Size, cts.Token);
        // Setting a flag renames the file in cur/, which only works if the mail user owns what we wrote.
        await folder.AddFlagsAsync(0, MessageFlags.Seen, silent: true, cts.Token);

        Assert.Equal(["Seeded 1", "Seeded 2", "Seeded 3"], summaries.Select(s => s.Envelope?.Subject).Order());
        Assert.All(summaries, s => Assert.True(s.Size > 0));
        Assert.True(Directory.EnumerateFiles(Path.Combine(Server.MaildirPath("bob"), "." + mailbox, "cur"), "*:2,S").Any());
    }

    [Fact]
    public async Task Compress_IsAdvertisedAfterLogin_AndUsable()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        using var client = await Server.ConnectAsync(DovecotUser.Alice, ct: cts.Token);

        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Compress));
        await client.CompressAsync(cts.Token);
        // Round trips through the deflate streams in both directions.
        var folder = await CreateUniqueFolderAsync(client, "compressed", cts.Token);
        await folder.OpenAsync(FolderAccess.ReadWrite, cts.Token);
        await folder.AppendAsync(MimeMessage.Load(new MemoryStream(SampleMessages.OfSize("Big", 64 * 1024))), cancellationToken: cts.Token);
        var summaries = await folder.FetchAsync(0, -1, MessageSummaryItems.Envelope, cts.Token);

        Assert.Equal("Big", Assert.Single(summaries).Envelope?.Subject);
    }

    [Fact]
    public async Task Rawlog_AfterSession_HoldsTheSessionsCommandsAndResponses()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var marker = $"rawlog-{Guid.NewGuid():N}";
        using (var client = await Server.ConnectAsync(DovecotUser.Alice, ct: cts.Token))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token);
            await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(marker, true, cts.Token);
            await client.DisconnectAsync(quit: true, cts.Token);
        }

        var input = await WaitForRawlogAsync("alice", marker, "Logout completed", cts.Token);
        var outputText = File.ReadAllText(Path.ChangeExtension(input, ".out"));
        var inputText = File.ReadAllText(input);

        Assert.Contains($"CREATE {marker}", inputText);
        Assert.Contains("EXAMINE INBOX", inputText); // MailKit opens a read-only folder with EXAMINE
        Assert.Contains("LOGOUT", inputText);
        Assert.Contains("Logout completed", outputText);
        // The rawlog starts after login (imap-login handled authentication), so the password is not in it.
        Assert.DoesNotContain("secret-alice", inputText);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.ASCII.GetBytes("\0alice\0secret-alice")), inputText);
    }

    [Fact]
    public async Task SeparateServer_WithExtraUser_StartsAndDisposeStopsIt()
    {
        using var cts = new CancellationTokenSource(TestTimeout + TestTimeout);
        var carol = new DovecotUser("carol", "secret-carol");
        var server = await DovecotServer.StartAsync(new DovecotOptions { AdditionalUsers = [carol] }, cts.Token);
        output.WriteLine($"second Dovecot started in {server.StartupDuration.TotalMilliseconds:F0} ms");
        try
        {
            using var client = await server.ConnectAsync(carol, SecureSocketOptions.SslOnConnect, cts.Token);
            Assert.True(client.IsAuthenticated);
            Assert.Throws<InvalidOperationException>(() => server.RawlogDirectory("carol"));
            Assert.NotEqual(Server.ImapPort, server.ImapPort);
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.False(Directory.Exists(server.RootDirectory));
        using var probe = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(DovecotServer.Host, server.ImapPort, cts.Token).AsTask());
    }

    [Fact]
    public async Task FiveHundredConcurrentSessions_AllLogInAndWork()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        // Several sessions per imap process: with one each, forking 500 processes alone takes 10–20 s here.
        await using var server = await DovecotServer.StartAsync(new DovecotOptions { SessionsPerImapProcess = 25 }, cts.Token);
        var clients = new List<ImapClient>();
        try
        {
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            var opening = Enumerable.Range(0, 500).Select(i => server.ConnectAsync(
                i % 2 == 0 ? DovecotUser.Alice : DovecotUser.Bob,
                i % 4 < 2 ? SecureSocketOptions.None : SecureSocketOptions.SslOnConnect, cts.Token));
            clients.AddRange(await Task.WhenAll(opening));
            output.WriteLine($"500 sessions logged in after {stopwatch.ElapsedMilliseconds} ms");

            await Task.WhenAll(clients.Select(c => c.Inbox.OpenAsync(FolderAccess.ReadOnly, cts.Token)));

            Assert.All(clients, c => Assert.True(c.Inbox.IsOpen));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisconnectAsync(quit: true, cts.Token)));
            foreach (var client in clients) client.Dispose();
        }
    }

    [Fact]
    public void MissingDovecot_FailsWithInstallInstructions()
    {
        var empty = Directory.CreateTempSubdirectory("no-dovecot-");
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => DovecotBinaries.Locate([empty.FullName]));

            Assert.Contains("apt-get install dovecot-imapd", error.Message);
            Assert.Contains("./test.sh", error.Message);
        }
        finally
        {
            empty.Delete();
        }
    }

    [Fact]
    public void TestCertificate_IsTrustedAndNamesLocalhostAndLoopback()
    {
        var san = Server.Certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().Single();

        Assert.Contains("localhost", san.EnumerateDnsNames());
        Assert.Contains(System.Net.IPAddress.Loopback, san.EnumerateIPAddresses());
        Assert.False(Server.Certificate.HasPrivateKey);
        Assert.True(Server.IsTestCertificate(Server.Certificate));
    }

    private static async Task<IMailFolder> CreateUniqueFolderAsync(ImapClient client, string prefix, CancellationToken ct)
    {
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        return await root.CreateAsync($"{prefix}-{Guid.NewGuid():N}", isMessageFolder: true, ct)
            ?? throw new InvalidOperationException("CREATE returned no folder");
    }

    // The imap process writes (and may buffer) the files; it can still be closing after our LOGOUT returned.
    private async Task<string> WaitForRawlogAsync(string user, string content, string finalResponse, CancellationToken ct)
    {
        var directory = Server.RawlogDirectory(user);
        while (true)
        {
            foreach (var input in Directory.EnumerateFiles(directory, "*.in"))
            {
                var output = Path.ChangeExtension(input, ".out");
                if (File.ReadAllText(input).Contains(content) && File.Exists(output) && File.ReadAllText(output).Contains(finalResponse))
                {
                    return input;
                }
            }
            await Task.Delay(50, ct);
        }
    }
}
