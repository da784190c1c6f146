using System.Buffers.Binary;

namespace ImapProxy.Storage.Tests.Export;

/// <summary>One TCP/IPv4 packet of a pcap, with its checksums checked (RFC 1071: a correct header sums to 0xFFFF).</summary>
internal sealed record TcpPacket(DateTimeOffset Time, uint Source, ushort SourcePort, uint Destination, ushort DestinationPort,
    uint Sequence, uint Acknowledgment, byte Flags, byte[] Payload, bool IpChecksumOk, bool TcpChecksumOk);

/// <summary>Reads the classic pcap files the export writes (little-endian, microseconds, LINKTYPE_RAW), independently of it.</summary>
internal static class PcapReader
{
    public static (uint LinkType, List<TcpPacket> Packets) Read(byte[] file)
    {
        Assert.Equal(0xA1B2C3D4u, BinaryPrimitives.ReadUInt32LittleEndian(file));
        Assert.Equal((ushort)2, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)));
        Assert.Equal((ushort)4, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(6)));
        var linkType = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20));
        var packets = new List<TcpPacket>();
        var position = 24;
        while (position < file.Length)
        {
            var record = file.AsSpan(position, 16);
            var time = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32LittleEndian(record))
                .AddTicks(BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) * TimeSpan.TicksPerMicrosecond);
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
            Assert.Equal(length, (int)BinaryPrimitives.ReadUInt32LittleEndian(record[12..]));
            packets.Add(Parse(time, file.AsSpan(position + 16, length)));
            position += 16 + length;
        }
        return (linkType, packets);
    }

    private static TcpPacket Parse(DateTimeOffset time, ReadOnlySpan<byte> packet)
    {
        Assert.Equal(0x45, packet[0]);
        Assert.Equal(6, packet[9]);
        Assert.Equal(packet.Length, BinaryPrimitives.ReadUInt16BigEndian(packet[2..]));
        var ip = packet[..20];
        var tcp = packet[20..];
        var headerLength = (tcp[12] >> 4) * 4;
        var pseudo = new byte[12 + tcp.Length];
        ip.Slice(12, 8).CopyTo(pseudo);
        pseudo[9] = 6;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)tcp.Length);
        tcp.CopyTo(pseudo.AsSpan(12));
        return new TcpPacket(time, BinaryPrimitives.ReadUInt32BigEndian(ip[12..]), BinaryPrimitives.ReadUInt16BigEndian(tcp),
            BinaryPrimitives.ReadUInt32BigEndian(ip[16..]), BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]), BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]), tcp[13],
            tcp[headerLength..].ToArray(), OnesComplementSum(ip) == 0xFFFF, OnesComplementSum(pseudo) == 0xFFFF);
    }

    private static uint OnesComplementSum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i < data.Length; i += 2) sum += (uint)(data[i] << 8 | (i + 1 < data.Length ? data[i + 1] : 0));
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return sum;
    }
}
