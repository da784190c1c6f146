using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using ImapProxy.TestSupport;

namespace ImapProxy.RelayBench;

/// <summary>
/// A deliberately small IMAP client for measuring relays: it writes commands and reads responses a line at a
/// time, but skips literal bodies by counting (<c>{n}</c> at the end of a line), so a 200 MB FETCH costs it no
/// more than the socket reads. MailKit would parse every body and become the bottleneck.
/// </summary>
internal sealed class RawImapClient : IAsyncDisposable
{
    public const int BulkBufferSize = 256 * 1024;
    public const int SmallBufferSize = 4 * 1024;

    private readonly TcpClient tcp;
    private readonly Stream stream;
    private readonly byte[] buffer;
    private readonly MemoryStream segment = new();
    private int start;
    private int end;
    private long literalRemaining;
    private int lastTag;
    private string? idleTag;

    private RawImapClient(TcpClient tcp, Stream stream, int bufferSize, string tls)
    {
        this.tcp = tcp;
        this.stream = stream;
        buffer = new byte[bufferSize];
        Tls = tls;
        LocalAddress = tcp.Client.LocalEndPoint?.ToString() ?? "?";
    }

    /// <summary>Every byte read from the server (after TLS), greeting included.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Every byte written to the server (before TLS).</summary>
    public long BytesSent { get; private set; }

    /// <summary>Reads that returned data: BytesReceived / Reads shows how the relay (or TLS records) chunk the stream.</summary>
    public long Reads { get; private set; }

    /// <summary>Literals skipped so far (one per message body in a FETCH BODY[]).</summary>
    public int LiteralsSkipped { get; private set; }

    /// <summary>How the proxy's session table names this client ("127.0.0.1:PORT").</summary>
    public string LocalAddress { get; }

    /// <summary>"plaintext", or the negotiated TLS version and cipher suite.</summary>
    public string Tls { get; }

    /// <summary>Connects, does the TLS handshake when asked, and reads the greeting.</summary>
    public static async Task<RawImapClient> ConnectAsync(int port, bool tls, int bufferSize, CancellationToken ct)
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port, ct);
            Stream stream = tcp.GetStream();
            var description = "plaintext";
            if (tls)
            {
                // Throughput is measured, not trust: every relay's certificate is accepted.
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                    CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                }, ct);
                description = $"{ssl.SslProtocol} {ssl.NegotiatedCipherSuite}";
                stream = ssl;
            }
            var client = new RawImapClient(tcp, stream, bufferSize, description);
            var greeting = await client.ReadLineAsync(ct);
            if (!greeting.StartsWith("* OK", StringComparison.Ordinal)) throw new ImapException($"unexpected greeting: {greeting}");
            return client;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public Task LoginAsync(DovecotUser user, CancellationToken ct) => CommandAsync($"LOGIN {user.Name} \"{user.Password}\"", ct);

    /// <summary>Sends one command and reads up to its tagged response, which must be OK. Returns that line.</summary>
    public async Task<string> CommandAsync(string command, CancellationToken ct)
    {
        var tag = NextTag();
        await SendAsync($"{tag} {command}", ct);
        return await ReadTaggedAsync(tag, command, ct);
    }

    /// <summary>IDLE (RFC 2177): returns once the server sent its continuation request.</summary>
    public async Task StartIdleAsync(CancellationToken ct)
    {
        idleTag = NextTag();
        await SendAsync($"{idleTag} IDLE", ct);
        while (true)
        {
            var line = await ReadLineAsync(ct);
            if (line.StartsWith('+')) return;
            if (line.StartsWith(idleTag + " ", StringComparison.Ordinal)) throw new ImapException($"IDLE refused: {line}");
        }
    }

    public async Task StopIdleAsync(CancellationToken ct)
    {
        var tag = idleTag ?? throw new InvalidOperationException("not idling");
        idleTag = null;
        await SendAsync("DONE", ct);
        await ReadTaggedAsync(tag, "IDLE", ct);
    }

    /// <summary>
    /// APPENDs a message of exactly <paramref name="size"/> bytes, generated as it is sent (a header, then lines of
    /// text): a literal of any size costs the client one buffer. Returns the SHA-256 of the literal (lowercase hex).
    /// </summary>
    public async Task<string> AppendAsync(string mailbox, long size, CancellationToken ct)
    {
        var tag = NextTag();
        await SendAsync($"{tag} APPEND {mailbox} {{{size}}}", ct);
        var ready = await ReadLineAsync(ct);
        if (!ready.StartsWith('+')) throw new ImapException($"APPEND of {size:N0} bytes refused: {ready}");
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var header = Encoding.ASCII.GetBytes("From: bench@example.org\r\nSubject: one large literal\r\n\r\n");
        var line = Encoding.ASCII.GetBytes(new string('x', 78) + "\r\n");
        var chunk = new byte[BulkBufferSize - BulkBufferSize % line.Length];
        for (var i = 0; i < chunk.Length; i += line.Length) line.CopyTo(chunk, i);
        for (long sent = 0; sent < size;)
        {
            ReadOnlyMemory<byte> piece = sent == 0 ? header : chunk;
            piece = piece[..(int)Math.Min(piece.Length, size - sent)];
            hash.AppendData(piece.Span);
            await stream.WriteAsync(piece, ct);
            sent += piece.Length;
        }
        await SendAsync("", ct);
        BytesSent += size;
        await ReadTaggedAsync(tag, "APPEND", ct);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>LOGOUT and its tagged OK: after it the server has nothing more to send.</summary>
    public Task LogoutAsync(CancellationToken ct) => CommandAsync("LOGOUT", ct);

    private string NextTag() => "b" + ++lastTag;

    private async Task SendAsync(string line, CancellationToken ct)
    {
        var bytes = Encoding.ASCII.GetBytes(line + "\r\n");
        await stream.WriteAsync(bytes, ct);
        await stream.FlushAsync(ct);
        BytesSent += bytes.Length;
    }

    private async Task<string> ReadTaggedAsync(string tag, string command, CancellationToken ct)
    {
        var prefix = tag + " ";
        while (true)
        {
            var line = await ReadLineAsync(ct);
            if (!line.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (!line.AsSpan(prefix.Length).StartsWith("OK", StringComparison.Ordinal))
                throw new ImapException($"{command.Split(' ')[0]} failed: {line}");
            return line;
        }
    }

    /// <summary>
    /// Reads one response line and returns its first segment (the text before the first literal, without CRLF).
    /// The literals inside it and the segments after them are read and dropped.
    /// </summary>
    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        string? first = null;
        while (true)
        {
            if (literalRemaining > 0)
            {
                if (start == end) await FillAsync(ct);
                var take = (int)Math.Min(literalRemaining, end - start);
                start += take;
                literalRemaining -= take;
                continue;
            }
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline < 0)
            {
                segment.Write(buffer, start, end - start);
                start = end;
                await FillAsync(ct);
                continue;
            }
            segment.Write(buffer, start, newline + 1);
            start += newline + 1;
            var text = Encoding.ASCII.GetString(segment.GetBuffer(), 0, (int)segment.Length);
            segment.SetLength(0);
            first ??= text.TrimEnd('\r', '\n');
            if (TryLiteralLength(text, out var length))
            {
                literalRemaining = length;
                LiteralsSkipped++;
                continue;
            }
            return first;
        }
    }

    private async Task FillAsync(CancellationToken ct)
    {
        var n = await stream.ReadAsync(buffer, ct);
        if (n == 0) throw new ImapException("the server closed the connection");
        start = 0;
        end = n;
        BytesReceived += n;
        Reads++;
    }

    // A line segment ending in {n}, {n+} or ~{n} (RFC 3501 §4.3, RFC 7888, RFC 3516) announces n literal bytes.
    private static bool TryLiteralLength(string text, out long length)
    {
        length = 0;
        var line = text.AsSpan().TrimEnd("\r\n");
        if (!line.EndsWith("}")) return false;
        var open = line.LastIndexOf('{');
        if (open < 0) return false;
        var digits = line[(open + 1)..^1].TrimEnd('+');
        return long.TryParse(digits, out length);
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        tcp.Dispose();
        segment.Dispose();
    }
}

internal sealed class ImapException(string message) : Exception(message);
