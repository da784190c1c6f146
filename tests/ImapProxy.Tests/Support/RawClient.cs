using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace ImapProxy.Tests.Support;

/// <summary>A byte-level IMAP client for what MailKit will not do: half commands, injected bytes, raw STARTTLS.</summary>
internal sealed class RawClient : IDisposable
{
    private readonly TcpClient tcp;
    private Stream stream;
    private readonly List<byte> pending = [];

    private RawClient(TcpClient tcp)
    {
        this.tcp = tcp;
        stream = tcp.GetStream();
    }

    public static async Task<RawClient> ConnectAsync(int port, CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, port, ct);
        return new RawClient(tcp);
    }

    public async Task WriteAsync(string text, CancellationToken ct)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
        await stream.FlushAsync(ct);
    }

    /// <summary>The next line (CRLF included), or what is left when the connection closes.</summary>
    public async Task<string> ReadLineAsync(CancellationToken ct)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var lf = pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(pending.GetRange(0, lf + 1).ToArray());
                pending.RemoveRange(0, lf + 1);
                return line;
            }
            var n = await stream.ReadAsync(buffer, ct);
            if (n == 0) return Drain();
            pending.AddRange(buffer.AsSpan(0, n));
        }
    }

    public async Task WriteAsync(byte[] bytes, CancellationToken ct)
    {
        await stream.WriteAsync(bytes, ct);
        await stream.FlushAsync(ct);
    }

    /// <summary>Exactly <paramref name="count"/> bytes, what a line read left over first.</summary>
    public async Task<byte[]> ReadBytesAsync(int count, CancellationToken ct)
    {
        var bytes = new byte[count];
        var fromPending = Math.Min(count, pending.Count);
        pending.CopyTo(0, bytes, 0, fromPending);
        pending.RemoveRange(0, fromPending);
        await stream.ReadExactlyAsync(bytes.AsMemory(fromPending), ct);
        return bytes;
    }

    public async Task<string> ReadToEndAsync(CancellationToken ct)
    {
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, ct)) > 0) pending.AddRange(buffer.AsSpan(0, n));
        }
        catch (IOException)
        {
            // A reset after the last bytes is an end too.
        }
        return Drain();
    }

    public async Task StartTlsAsync(RemoteCertificateValidationCallback trust, CancellationToken ct)
    {
        var ssl = new SslStream(stream);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = trust }, ct);
        stream = ssl;
    }

    private string Drain()
    {
        var text = Encoding.UTF8.GetString(pending.ToArray());
        pending.Clear();
        return text;
    }

    /// <summary>Leaves the way a crashed app or a phone losing its network does: a TCP reset, no FIN, no close_notify.</summary>
    public void Reset()
    {
        tcp.Client.LingerState = new LingerOption(true, 0);
        tcp.Client.Close();
    }

    public void Dispose()
    {
        stream.Dispose();
        tcp.Dispose();
    }
}
