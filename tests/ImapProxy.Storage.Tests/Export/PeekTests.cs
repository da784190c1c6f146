using ImapProxy.Storage.Export;
using ImapProxy.Storage.Tests.Support;
namespace ImapProxy.Storage.Tests.Export;
public class PeekTests
{
    [Theory]
    [MemberData(nameof(CapturedSessions.Recordings), MemberType = typeof(CapturedSessions))]
    public async Task Peek(string name)
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, name);
        foreach (var f in Enum.GetValues<ExportFormat>())
        {
            await using var file = File.Create($"/tmp/exp/{name}{SessionExport.FileName(f, id).Replace("imapproxy-session-1", "")}");
            await SessionExport.WriteAsync(f, h.Store, id, file);
        }
    }
}
