using ImapProxy.Capture.Tls;

namespace ImapProxy.Capture.Tests.Tls;

public sealed class FirstBytesStreamTests
{
    [Fact]
    public async Task KeepsTheFirstBytesEachWay_UpToTheirLimits_UntilForgotten()
    {
        var beneath = new MemoryStream();
        beneath.Write("0123456789"u8);
        beneath.Position = 0;
        await using var stream = new FirstBytesStream(beneath, keptRead: 4, keptWritten: 6);
        var buffer = new byte[3];

        Assert.Equal(3, await stream.ReadAsync(buffer));
        Assert.Equal(3, await stream.ReadAsync(buffer));
        await stream.WriteAsync("abcd"u8.ToArray());
        await stream.WriteAsync("efgh"u8.ToArray());

        Assert.Equal("0123"u8.ToArray(), stream.First.ToArray());
        Assert.Equal("abcdef"u8.ToArray(), stream.FirstWritten.ToArray());
        Assert.Equal("012345abcdefgh"u8.ToArray(), beneath.ToArray()); // everything passed through (written where reading stopped)

        stream.Forget();
        _ = await stream.ReadAsync(buffer);
        Assert.True(stream.First.IsEmpty && stream.FirstWritten.IsEmpty);
    }
}
