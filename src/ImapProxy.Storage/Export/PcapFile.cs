using System.Buffers.Binary;

namespace ImapProxy.Storage.Export;

/// <summary>
/// The classic libpcap file format (pcap-savefile(5), draft-ietf-opsawg-pcap): a 24-byte file header, then each
/// packet behind a 16-byte record header. Microsecond timestamps (magic A1B2C3D4), little-endian, packets that start
/// with their IPv4 header (LINKTYPE_RAW, 101, in tcpdump.org's list of link-layer header types).
/// </summary>
internal static class PcapFile
{
    private const uint Magic = 0xA1B2C3D4;
    private const uint LinkTypeRaw = 101;
    private const uint SnapLength = 65535;

    public static void WriteHeader(ExportOutput output)
    {
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2); // version 2.4
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        // 8..15: time zone offset and accuracy, both 0 (timestamps are UTC).
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkTypeRaw);
        output.Write(header);
    }

    public static void WritePacket(ExportOutput output, DateTimeOffset time, ReadOnlySpan<byte> packet)
    {
        var microseconds = (time.UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
        Span<byte> record = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(microseconds / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(microseconds % 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)packet.Length); // captured length
        BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)packet.Length); // length on the wire
        output.Write(record);
        output.Write(packet);
    }
}
