using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Responses;

/// <summary>Typed forms of untagged data responses (RFC 3501 §7.2-7.4 and extensions). Unknown ones stay generic.</summary>
internal static class UntaggedData
{
    public static ResponseData? Parse(string name, ulong? number, ArgumentReader a)
    {
        if (number is { } n)
        {
            return name switch
            {
                "EXISTS" or "RECENT" or "EXPUNGE" => a.Count == 0 ? new NumberData(n) : a.Bad<ResponseData>(),
                "FETCH" => a.Count == 1 && a[0] is ImapList items ? FetchParser.Parse(n, items, a) : a.Bad<ResponseData>(),
                _ => null,
            };
        }
        switch (name)
        {
            case "CAPABILITY" or "ENABLED":
                return new CapabilityData(a.Words(0));
            case "FLAGS":
                return a.Count == 1 && a[0] is ImapList flags ? new FlagsData(Texts(flags)) : a.Bad<ResponseData>();
            case "VANISHED":
                // RFC 7162 §3.2.10: VANISHED [(EARLIER)] known-uids
                var earlier = a.Count == 2 && a[0] is ImapList { Items: [var tag] } && tag.IsAtom("EARLIER");
                return a.Count == (earlier ? 2 : 1) ? new VanishedData(earlier, a.AString(a.Count - 1)) : a.Bad<ResponseData>();
            case "LIST" or "LSUB" or "XLIST":
                return List(a);
            case "STATUS":
                return Status(a);
            case "SEARCH":
                return Search(a);
            case "ESEARCH":
                return ESearch(a);
            case "ID":
                return a.Count == 1 ? new IdData(a.Pairs(a[0])) : a.Bad<ResponseData>();
            case "NAMESPACE":
                return a.Count == 3 ? new NamespaceData(Namespaces(a[0], a), Namespaces(a[1], a), Namespaces(a[2], a)) : a.Bad<ResponseData>();
            default:
                return null;
        }
    }

    private static ResponseData? List(ArgumentReader a)
    {
        // mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox [SP mbox-list-extended]
        if (a.Count < 3 || a[0] is not ImapList flags) return a.Bad<ResponseData>();
        var raw = ArgumentReader.Text(a[2]);
        string? decoded = raw;
        if (!ModifiedUtf7.TryDecode(raw, out var name)) a.Frame.Report(Rules.InvalidModifiedUtf7, a[2].Start, raw);
        else decoded = name;
        IReadOnlyList<ImapValue>? extended = a.Count > 3 ? Enumerable.Range(3, a.Count - 3).Select(i => a[i]).ToArray() : null;
        return new ListData(Texts(flags), a[1].AsText(), decoded, decoded == raw ? null : raw, extended);
    }

    private static ResponseData? Status(ArgumentReader a)
    {
        if (a.Count != 2 || a[1] is not ImapList items) return a.Bad<ResponseData>();
        var numbers = new Dictionary<string, ulong>(StringComparer.OrdinalIgnoreCase);
        Dictionary<string, ImapValue>? other = null;
        for (var i = 0; i + 1 < items.Items.Count; i += 2)
        {
            var name = ArgumentReader.Text(items.Items[i]).ToUpperInvariant();
            // Most items are numbers (RFC 3501 §6.3.10); some are not, e.g. MAILBOXID (RFC 8474 §4.2).
            if (items.Items[i + 1].TryGetNumber(out var value)) numbers[name] = value;
            else (other ??= new(StringComparer.OrdinalIgnoreCase))[name] = items.Items[i + 1];
        }
        if (items.Items.Count % 2 != 0) a.Bad<ResponseData>();
        return new StatusData(ArgumentReader.MailboxText(a[0]), numbers) { Other = other };
    }

    private static ResponseData Search(ArgumentReader a)
    {
        var numbers = new List<ulong>(a.Count);
        ulong? modSeq = null;
        for (var i = 0; i < a.Count; i++)
        {
            // RFC 7162 §3.1.5: "(MODSEQ n)" after the numbers
            if (a[i] is ImapList { Items: [var key, var value] } && key.IsAtom("MODSEQ") && value.TryGetNumber(out var m))
                modSeq = m;
            else if (a.TryNumber(i, out var number))
                numbers.Add(number);
        }
        return new SearchData(numbers, modSeq);
    }

    private static ResponseData ESearch(ArgumentReader a)
    {
        // RFC 4731 §3.1: ESEARCH [search-correlator] [SP "UID"] *(SP search-return-data)
        var i = 0;
        string? tag = null;
        if (a.Count > 0 && a[0] is ImapList { Items: [var key, var value] } && key.IsAtom("TAG"))
        {
            tag = value.AsText();
            i = 1;
        }
        var uid = i < a.Count && a[i].IsAtom("UID");
        if (uid) i++;
        var items = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (; i + 1 < a.Count; i += 2) items[a.AString(i).ToUpperInvariant()] = ArgumentReader.Text(a[i + 1]);
        if (i < a.Count) a.Bad<ResponseData>();
        return new ESearchData(tag, uid, items);
    }

    private static IReadOnlyList<NamespaceDescriptor>? Namespaces(ImapValue value, ArgumentReader a)
    {
        if (value is ImapNil) return null;
        if (value is not ImapList list) return a.Bad<IReadOnlyList<NamespaceDescriptor>>();
        var result = new List<NamespaceDescriptor>();
        foreach (var item in list.Items)
        {
            if (item is ImapList { Items.Count: >= 2 } ns) result.Add(new NamespaceDescriptor(ArgumentReader.Text(ns.Items[0]), ns.Items[1].AsText()));
            else a.Bad<ResponseData>();
        }
        return result;
    }

    public static IReadOnlyList<string> Texts(ImapList list) => list.Items.Select(ArgumentReader.Text).ToArray();
}
