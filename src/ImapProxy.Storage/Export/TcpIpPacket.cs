using System.Buffers.Binary;

namespace ImapProxy.Storage.Export;

/// <summary>TCP control bits (RFC 9293 §3.1).</summary>
[Flags]
internal enum TcpFlags : byte
{
    Fin = 0x01,
    Syn = 0x02,
    Psh = 0x08,
    Ack = 0x10,
}

/// <summary>One end of a synthetic TCP connection: an IPv4 address and a port.</summary>
internal readonly record struct TcpEndpoint(uint Address, ushort Port);

/// <summary>
/// Builds IPv4 packets carrying one TCP segment, with both checksums, as a capture would have seen them.
/// Headers have no options: 20 bytes of IPv4 (RFC 791 §3.1) and 20 of TCP (RFC 9293 §3.1).
/// </summary>
internal static class TcpIpPacket
{
    private const int IpHeaderLength = 20;
    private const int TcpHeaderLength = 20;
    private const byte ProtocolTcp = 6;

    public static byte[] Build(TcpEndpoint source, TcpEndpoint destination, ushort identification, uint sequence, uint acknowledgment,
        TcpFlags flags, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[IpHeaderLength + TcpHeaderLength + payload.Length];
        var ip = packet.AsSpan(0, IpHeaderLength);
        ip[0] = 0x45; // version 4, header length 5 words
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // don't fragment
        ip[8] = 64; // time to live
        ip[9] = ProtocolTcp;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], source.Address);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], destination.Address);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(0, ip));

        var tcp = packet.AsSpan(IpHeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destination.Port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], acknowledgment);
        tcp[12] = TcpHeaderLength / 4 << 4; // data offset in 32-bit words
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], ushort.MaxValue); // window
        payload.CopyTo(tcp[TcpHeaderLength..]);
        // The TCP checksum covers a pseudo-header of addresses, protocol and TCP length (RFC 9293 §3.1).
        Span<byte> pseudo = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(pseudo, source.Address);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo[4..], destination.Address);
        pseudo[9] = ProtocolTcp;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo[10..], (ushort)tcp.Length);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum(Sum(0, pseudo), tcp));
        return packet;
    }

    /// <summary>The Internet checksum: one's complement of the one's complement sum of 16-bit words (RFC 1071).</summary>
    private static ushort Checksum(uint sum, ReadOnlySpan<byte> data)
    {
        sum = Sum(sum, data);
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    private static uint Sum(uint sum, ReadOnlySpan<byte> data)
    {
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8 | data[i + 1]);
            // Fold as we go so a 64 KB segment cannot overflow 32 bits.
            if (sum > 0xFFFF_0000) sum = (sum & 0xFFFF) + (sum >> 16);
        }
        if (i < data.Length) sum += (uint)(data[i] << 8); // an odd last byte is padded with zero
        return sum;
    }
}
