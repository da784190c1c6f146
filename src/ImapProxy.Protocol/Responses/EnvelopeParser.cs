using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Responses;

/// <summary>ENVELOPE (RFC 3501 §7.4.2, §9 envelope): ten fields, address lists of four-string addresses.</summary>
internal static class EnvelopeParser
{
    public static Envelope? Parse(ImapList list, ArgumentReader context)
    {
        // Some servers wrap the ten fields in a list of their own; MailKit and net-imap read inside it.
        if (list.Items is [ImapList { Items.Count: 10 } inner])
        {
            context.Frame.Report(Rules.EnvelopeExtraList, list.Start);
            list = inner;
        }
        var f = list.Items;
        if (f.Count != 10)
        {
            context.Frame.Report(Rules.Envelope, list.Start, $"{f.Count} fields instead of 10");
            if (f.Count < 10) return null;
        }
        return new Envelope(
            f[0].AsText(), f[1].AsText(),
            Addresses(f[2], context), Addresses(f[3], context), Addresses(f[4], context),
            Addresses(f[5], context), Addresses(f[6], context), Addresses(f[7], context),
            f[8].AsText(), f[9].AsText());
    }

    private static IReadOnlyList<Address>? Addresses(ImapValue value, ArgumentReader context)
    {
        if (value is not ImapList list)
        {
            // Some servers send "" for an empty address list; NIL is the grammar's way.
            if (value is not ImapNil) context.Frame.Report(Rules.Envelope, value.Start, "address list is not a list or NIL");
            return null;
        }
        var addresses = new List<Address>(list.Items.Count);
        foreach (var item in list.Items)
        {
            if (item is ImapList { Items: [var name, var route, var mailbox, var host] })
                addresses.Add(new Address(name.AsText(), route.AsText(), mailbox.AsText(), host.AsText()));
            else
                context.Frame.Report(Rules.Envelope, item.Start, "address is not a list of 4 fields");
        }
        return addresses;
    }
}
