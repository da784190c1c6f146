using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ImapProxy.Capture.Relay;
using Microsoft.Extensions.Time.Testing;

namespace ImapProxy.Capture.Tests.Relay;

/// <summary>
/// The relay's low-water mark on a real loopback connection: poll(2) says whether a waiting reader would be woken,
/// which is what the mark changes. The patience runs on a fake clock.
/// </summary>
public sealed class LowWaterMarkTests : IDisposable
{
    private const long LargeLiteral = 1_000_000;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly Socket reader;
    private readonly Socket writer;
    private readonly FakeTimeProvider time = new();
    private readonly LowWaterMark mark;

    public LowWaterMarkTests()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        writer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        writer.Connect(listener.LocalEndPoint!);
        reader = listener.Accept();
        mark = LowWaterMark.For(reader, time) ?? throw new InvalidOperationException("SO_RCVLOWAT wakes epoll on Linux only: run these tests on Linux");
    }

    [Fact]
    public void LargeLiteralToCome_AFewBytesWakeNobody_SixteenKiBDo()
    {
        mark.BeforeRead(LargeLiteral);

        Send(100);
        Assert.False(Readable());
        Send(LowWaterMark.Bytes - 100);
        Assert.True(Readable());
    }

    [Fact]
    public void FromTheMarkAndItsMarginToCome_AFewBytesWakeNobody()
    {
        mark.BeforeRead(LowWaterMark.Bytes + LowWaterMark.Margin);

        Send(100);
        Assert.False(Readable());
    }

    [Fact]
    public void NearTheLiteralsEnd_OrOutsideOne_EveryByteWakes()
    {
        mark.BeforeRead(LowWaterMark.Bytes + LowWaterMark.Margin - 1);
        Send(1);
        Assert.True(Readable());
        Receive(1);

        mark.BeforeRead(LargeLiteral);
        mark.AfterRead();
        mark.BeforeRead(0);
        Send(1);
        Assert.True(Readable());
    }

    [Fact]
    public void PeerThatStops_WakesTheReaderAfterThePatience_AndTheRestOfThatLiteralGoesWithoutTheMark()
    {
        mark.BeforeRead(LargeLiteral);
        Send(100);
        Assert.False(Readable());

        time.Advance(LowWaterMark.Patience);
        Assert.True(Readable());
        Receive(100);
        mark.AfterRead();

        // Still inside the same slow literal: read as it comes.
        mark.BeforeRead(LargeLiteral - 100);
        Send(100);
        Assert.True(Readable());
        Receive(100);
        mark.AfterRead();

        // The next large literal is given the mark again.
        mark.BeforeRead(0);
        mark.BeforeRead(LargeLiteral);
        Send(100);
        Assert.False(Readable());
    }

    [Fact]
    public void AReadThatCameInTime_DisarmsThePatience()
    {
        mark.BeforeRead(LargeLiteral);
        Send(LowWaterMark.Bytes);
        Assert.True(Readable());
        Receive(LowWaterMark.Bytes);
        mark.AfterRead();

        time.Advance(LowWaterMark.Patience * 2);
        mark.BeforeRead(LargeLiteral - LowWaterMark.Bytes);
        Send(100);
        Assert.False(Readable());
    }

    [Fact]
    public void AQuietWaitOutsideALiteral_DoesNotCostTheNextLiteralItsMark()
    {
        // An idle session waits for hours between commands: no patience runs out there.
        mark.BeforeRead(0);
        time.Advance(LowWaterMark.Patience * 10);
        Send(20);
        Receive(20);
        mark.AfterRead();

        mark.BeforeRead(LargeLiteral);
        Send(100);
        Assert.False(Readable());
    }

    [Fact]
    public void ASocketThatRefusesTheMark_IsReadWithoutIt()
    {
        reader.Dispose();

        mark.BeforeRead(LargeLiteral);
        mark.AfterRead();
        mark.BeforeRead(LargeLiteral);
        time.Advance(LowWaterMark.Patience);
    }

    /// <summary>Sends, then waits (bounded) until the bytes are in the reader's queue, which ignores the mark.</summary>
    private void Send(int count)
    {
        var queued = reader.Available + count;
        writer.Send(new byte[count]);
        var clock = Stopwatch.StartNew();
        while (reader.Available < queued)
        {
            Assert.True(clock.Elapsed < Bound, $"{count} bytes sent on loopback did not arrive");
            Thread.SpinWait(100);
        }
    }

    private void Receive(int count)
    {
        var buffer = new byte[count];
        for (var read = 0; read < count;) read += reader.Receive(buffer, read, count - read, SocketFlags.None);
    }

    /// <summary>Whether poll(2) reports the socket readable now: what would wake a reader waiting in epoll.</summary>
    private bool Readable() => reader.Poll(TimeSpan.Zero, SelectMode.SelectRead);

    public void Dispose()
    {
        mark.Dispose();
        reader.Dispose();
        writer.Dispose();
    }
}
