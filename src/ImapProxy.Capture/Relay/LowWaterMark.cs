using System.Net.Sockets;

namespace ImapProxy.Capture.Relay;

/// <summary>
/// Fewer wakes for a large literal on one leg. While a message body arrives with plenty of it still to come, the
/// kernel is asked to wake the leg's reader only once <see cref="Bytes"/> wait in the socket (SO_RCVLOWAT, socket(7);
/// Linux signals readiness for epoll by it too), so that a read takes several TLS records instead of one.
/// Why: Dovecot sends a body in 4 KiB TLS records, and a relay that keeps up with it wakes for every record; each wake
/// costs a read, a write and two context switches, taken from the cores the client and the server need, so the relay
/// then stays caught up and dear (relay-bench's slow TLS repetitions: 9–12 KiB per client read, half as much relay CPU
/// again per byte). Waking per 16 KiB keeps it cheap.
/// A server that stops in the middle of a body must not have its last bytes held back: a wait longer than
/// <see cref="Patience"/> lowers the mark to one byte at once (lowering it wakes the waiting reader, tcp_set_rcvlowat),
/// and the rest of that literal is read as it comes.
/// </summary>
internal sealed class LowWaterMark : IDisposable
{
    /// <summary>Four of Dovecot's 4 KiB records; an eighth of the default TCP receive buffer (tcp_rmem, 128 KiB), whose half the kernel caps a mark at.</summary>
    public const int Bytes = 16 * 1024;

    /// <summary>
    /// The mark is set only while more than this much beyond it is still to come, so that it never asks for bytes
    /// the wire will not carry: a TLS stream may already hold a record and a half it read from the socket (RFC 8446
    /// §5.2: 16 KiB and 256 at most each), and TLS never carries plaintext in fewer bytes.
    /// </summary>
    public const long Margin = 64 * 1024;

    /// <summary>At 3.2 MB/s and more, 16 KiB arrive sooner; a slower transfer is read as it comes after one wait.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(5);

    private readonly Socket socket;
    private readonly TimeProvider time;
    // Created when a mark is first set: a session that never receives a large literal holds none.
    private ITimer? patience;
    private readonly Lock gate = new();
    private int mark = 1;
    // The wait ran out of patience in this literal: the rest of it goes without the mark.
    private volatile bool slowLiteral;
    // The socket refused the option (or is gone): never asked again.
    private bool unsupported;

    private LowWaterMark(Socket socket, TimeProvider time)
    {
        this.socket = socket;
        this.time = time;
    }

    /// <summary>A mark for the leg of <paramref name="socket"/>; null where the kernel does not wake epoll by it (not Linux).</summary>
    public static LowWaterMark? For(Socket socket, TimeProvider time) => OperatingSystem.IsLinux() ? new LowWaterMark(socket, time) : null;

    /// <summary>Before a read of the leg: sets the mark for what the literal has yet to carry.</summary>
    public void BeforeRead(long literalBytesToCome)
    {
        var large = literalBytesToCome >= Bytes + Margin;
        if (!large) slowLiteral = false;
        var wanted = large && !slowLiteral ? Bytes : 1;
        if (wanted != Volatile.Read(ref mark)) Set(wanted);
        if (Volatile.Read(ref mark) <= 1) return;
        patience ??= time.CreateTimer(static state => ((LowWaterMark)state!).RanOutOfPatience(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        patience.Change(Patience, Timeout.InfiniteTimeSpan);
    }

    /// <summary>After the read completed.</summary>
    public void AfterRead()
    {
        if (Volatile.Read(ref mark) > 1) patience?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private void RanOutOfPatience()
    {
        slowLiteral = true;
        Set(1);
    }

    // The pump and a late patience timer may both set it: whatever the order, a mark above one byte has its timer armed
    // (BeforeRead arms it after setting), so no read waits on it for longer than the patience.
    private void Set(int bytes)
    {
        lock (gate)
        {
            if (unsupported || mark == bytes) return;
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, bytes);
                Volatile.Write(ref mark, bytes);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or PlatformNotSupportedException)
            {
                unsupported = true;
            }
        }
    }

    public void Dispose() => patience?.Dispose();
}
