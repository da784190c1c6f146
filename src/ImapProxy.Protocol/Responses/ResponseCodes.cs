using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Responses;

/// <summary>Typed fields for the well-known response codes (RFC 3501 §7.1, RFC 4315 §3, RFC 7162 §3.1, RFC 7889).</summary>
internal static class ResponseCodes
{
    public static ResponseCode Parse(string name, List<ImapValue> args, FrameContent frame)
    {
        var code = new ResponseCode(name) { Arguments = args.Count > 0 ? args : null };
        var a = new ArgumentReader(args, frame);
        switch (name)
        {
            case "UIDVALIDITY" or "UIDNEXT" or "UNSEEN" or "HIGHESTMODSEQ" or "APPENDLIMIT" when args.Count == 1:
                return a.TryNumber(0, out var number) ? code with { Number = number } : code;
            case "CAPABILITY":
                return code with { Items = a.Words(0) };
            case "PERMANENTFLAGS" or "BADCHARSET" when args.Count == 1 && args[0] is ImapList list:
                return code with { Items = list.Items.Select(ArgumentReader.Text).ToArray() };
            case "APPENDUID" when args.Count == 2 && a.TryNumber(0, out var validity):
                return code with { UidValidity = validity, DestinationUids = a.AString(1) };
            case "COPYUID" when args.Count == 3 && a.TryNumber(0, out var copyValidity):
                return code with { UidValidity = copyValidity, SourceUids = a.AString(1), DestinationUids = a.AString(2) };
            default:
                return code;
        }
    }
}
