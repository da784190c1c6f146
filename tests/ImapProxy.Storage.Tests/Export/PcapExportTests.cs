using ImapProxy.Protocol;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Export;

public class PcapExportTests
{
    private const uint Client = 0x0A000001;
    private const uint Server = 0x0A000002;

    [Theory]
    [MemberData(nameof(CapturedSessions.Recordings), MemberType = typeof(CapturedSessions))]
    public async Task Pcap_OpensInTshark_AsImap_WithEveryCommand(string name)
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, name);
        using var temp = new TempDirectory();
        var file = await ExportAsync(h, id, temp);

        var requests = Tshark.Run("-r", file, "-Y", "imap", "-T", "fields", "-e", "imap.request")
            .Split('\n', ',').Select(l => l.Trim()).ToList();
        var problems = Tshark.Run("-r", file, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
            "-Y", "_ws.malformed || _ws.expert.severity >= warning || tcp.analysis.flags");

        var commands = h.Store.GetEvents(id, 0, 10_000).Where(e => e.Kind == "command").ToList();
        Assert.True(commands.Count >= 15, $"{commands.Count} commands");
        Assert.All(commands, c => Assert.Contains(requests, r => r.StartsWith($"{c.Tag} {c.Name}", StringComparison.Ordinal)));
        Assert.Equal("", problems.Trim());
    }

    [Theory]
    [MemberData(nameof(CapturedSessions.Recordings), MemberType = typeof(CapturedSessions))]
    public async Task Pcap_SegmentsCarryTheStoredBytes_WithConsistentSequenceNumbersAndChecksums(string name)
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, name);
        using var temp = new TempDirectory();

        var (linkType, packets) = PcapReader.Read(await File.ReadAllBytesAsync(await ExportAsync(h, id, temp)));

        Assert.Equal(101u, linkType);
        Assert.All(packets, p => Assert.True(p.IpChecksumOk && p.TcpChecksumOk));
        Assert.All(packets, p => Assert.True(p.Payload.Length <= 1400));
        Assert.Equal([0x02, 0x12, 0x10], packets.Take(3).Select(p => p.Flags)); // SYN, SYN-ACK, ACK
        Assert.Equal(2, packets.Count(p => (p.Flags & 0x01) != 0)); // a FIN each way
        Assert.True(packets.Zip(packets.Skip(1)).All(pair => pair.First.Time <= pair.Second.Time));
        var session = h.Store.GetSession(id)!;
        Assert.Equal(session.StartedAt, packets[0].Time);
        Assert.Equal(52114, packets[0].SourcePort);
        Assert.Equal(143, packets[0].DestinationPort);
        Assert.Equal(h.Store.GetRaw(id, Direction.Client), Stream(packets, Client, Server));
        Assert.Equal(h.Store.GetRaw(id, Direction.Server), Stream(packets, Server, Client));
    }

    [Fact]
    public async Task Pcap_OfAStartTlsSession_CarriesThePlaintextOnBothSidesOfTheUpgrade()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, 1024,
            (Direction.Server, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"),
            (Direction.Client, "a1 CAPABILITY\r\n"),
            (Direction.Server, "* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n"),
            (Direction.Client, "a2 STARTTLS\r\n"),
            (Direction.Server, "a2 OK Begin TLS negotiation now\r\n"),
            (Direction.Client, "a3 LOGIN alice secret\r\n"),
            (Direction.Server, "a3 OK logged in\r\n"),
            (Direction.Client, "a4 LOGOUT\r\n"),
            (Direction.Server, "* BYE\r\na4 OK bye\r\n"));
        using var temp = new TempDirectory();
        var file = await ExportAsync(h, id, temp);

        var requests = Tshark.Run("-r", file, "-Y", "imap", "-T", "fields", "-e", "imap.request").Split('\n').Where(l => l != "");

        // tshark 4.0 (Debian 12) goes on reading IMAP after the STARTTLS OK, so the decrypted part shows too.
        Assert.Equal(["a1 CAPABILITY", "a2 STARTTLS", "a3 LOGIN alice ******", "a4 LOGOUT"], requests);
    }

    private static async Task<string> ExportAsync(StoreHarness h, long id, TempDirectory temp)
    {
        var file = temp.Combine("session.pcap");
        await using (var output = File.Create(file)) await SessionExport.WritePcapAsync(h.Store, id, output);
        return file;
    }

    /// <summary>One direction's payload, checking that each segment starts where the previous one ended.</summary>
    private static byte[] Stream(List<TcpPacket> packets, uint from, uint to)
    {
        var stream = new MemoryStream();
        uint? next = null;
        foreach (var p in packets.Where(p => p.Source == from && p.Destination == to))
        {
            next ??= p.Sequence + 1; // the SYN takes one sequence number
            if (p.Payload.Length == 0) continue;
            Assert.Equal(next, p.Sequence);
            stream.Write(p.Payload);
            next = p.Sequence + (uint)p.Payload.Length;
        }
        return stream.ToArray();
    }
}
