using System.Runtime.CompilerServices;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol.Tests;

/// <summary>What one direction holds between frames: an idle session (hours in IDLE) must not keep its last big frame.</summary>
public class DirectionStreamTests
{
    [Fact]
    public void AfterAFrameWithALongLine_NeitherTheLineNorTheFrameIsKept()
    {
        var stream = new DirectionStream(Direction.Client, new ImapParserOptions());
        var line = FrameWithLine(stream, 200 * 1024);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(line.IsAlive, "the 200 KiB line buffer is still held after its frame ended");
        Assert.Null(stream.Frame);
    }

    [Fact]
    public void AfterASmallFrame_TheNextFrameStartsEmpty()
    {
        var stream = new DirectionStream(Direction.Client, new ImapParserOptions());
        FrameWithLine(stream, 100);

        stream.BeginFrame();

        var next = stream.Frame!;
        Assert.Equal((0, 0L, 0), (next.LineLength, next.Length, next.Literals.Count + next.Diagnostics.Count + next.Redactions.Count));
        Assert.Equal(100L, next.Offset);
    }

    // A frame as the framer makes one: its content points at the direction's line buffer; a diagnostic on it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference FrameWithLine(DirectionStream stream, int length)
    {
        stream.BeginFrame();
        var bytes = new byte[length];
        bytes.AsSpan().Fill((byte)'a');
        bytes[^1] = (byte)'\n';
        stream.Append(bytes);
        var frame = stream.Frame!;
        frame.Line = stream.Line;
        frame.LineLength = stream.LineLength;
        frame.Length = length;
        frame.Report(Rules.BareLf, length - 1);
        var line = new WeakReference(stream.Line);
        stream.EndFrame();
        return line;
    }
}
