using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Commands;

/// <summary>Turns a client frame into a <see cref="CommandFrame"/> with typed arguments (RFC 3501 §6 and extensions).</summary>
internal static class CommandParser
{
    /// <summary>Reads the command name after the tag, upper-cased; "UID FETCH" etc. for UID commands (RFC 3501 §6.4.8).</summary>
    public static string ReadName(FrameReader reader) => ReadName(reader, out _);

    /// <summary>The same, and the name as the client spelled it ("UID fetch"): commands are case-insensitive
    /// (RFC 3501 §9), so the spelling is one of a client's habits.</summary>
    private static string ReadName(FrameReader reader, out string asSent)
    {
        asSent = reader.ReadWord();
        var name = asSent.ToUpperInvariant();
        if (name != "UID") return name;
        var mark = reader.Position;
        if (reader.SkipSpace())
        {
            var sub = reader.ReadWord();
            if (sub.Length > 0)
            {
                asSent += " " + sub;
                return "UID " + sub.ToUpperInvariant();
            }
        }
        reader.Position = mark;
        return name;
    }

    /// <summary>The arguments after tag and name, as far as the frame has arrived (used while it is still assembling).</summary>
    public static List<ImapValue> ReadArguments(FrameContent frame, int maxDepth)
    {
        var reader = new FrameReader(frame, maxDepth);
        if (reader.ReadWord().Length == 0 || !reader.SkipSpace() || ReadName(reader).Length == 0) return [];
        return reader.SkipSpace() ? reader.ReadValuesToEnd() : [];
    }

    /// <summary>Null when the frame is not even <c>tag SP name</c>.</summary>
    public static CommandFrame? Parse(FrameContent frame, int maxDepth, string? saslUser, bool rejected = false)
    {
        var reader = new FrameReader(frame, maxDepth);
        var tag = reader.ReadWord();
        if (tag.Length == 0 || !reader.SkipSpace()) return null;
        var name = ReadName(reader, out var asSent);
        if (name.Length == 0) return null;
        var args = reader.SkipSpace() ? reader.ReadValuesToEnd() : [];
        if (!reader.AtEnd && !reader.Failed) reader.Fail("unexpected text after the arguments");
        if (reader.Failed) frame.Report(Rules.Syntax, reader.ErrorPosition, reader.Error);

        var typed = new ArgumentReader(args, frame, reader.Failed);
        var commandArgs = TypedArguments(name, typed, saslUser);
        if (typed.Malformed && !reader.Failed && !rejected) frame.Report(Rules.Syntax, 0, $"unexpected arguments for {name}");
        return new CommandFrame
        {
            Direction = Direction.Client,
            Offset = frame.Offset,
            Length = frame.Length,
            Tag = tag,
            Name = name,
            NameAsSent = asSent == name ? null : asSent,
            Args = commandArgs,
            Arguments = commandArgs is null && args.Count > 0 ? args : null,
        };
    }

    private static CommandArgs? TypedArguments(string name, ArgumentReader a, string? saslUser)
    {
        switch (name)
        {
            case "LOGIN":
                return a.Expect(2) ? new LoginArgs(a.AString(0)) : null;
            case "AUTHENTICATE":
                return a.Count >= 1 ? new AuthenticateArgs(a.AString(0).ToUpperInvariant(), a.Count > 1, saslUser) : a.Bad();
            case "SELECT" or "EXAMINE":
                return a.Count >= 1
                    ? new SelectArgs(a.Mailbox(0), name == "EXAMINE", a.Count > 1 && a[1] is ImapList p ? p.Items : null)
                    : a.Bad();
            case "CREATE" or "DELETE" or "SUBSCRIBE" or "UNSUBSCRIBE":
                return a.Count >= 1 ? new MailboxArgs(a.Mailbox(0)) : a.Bad();
            case "RENAME":
                return a.Expect(2) ? new RenameArgs(a.Mailbox(0), a.Mailbox(1)) : null;
            case "LIST" or "LSUB" or "XLIST":
                return ListArguments(a);
            case "STATUS":
                return a.Count == 2 && a[1] is ImapList items
                    ? new StatusArgs(a.Mailbox(0), items.Items.Select(i => i.AsText()?.ToUpperInvariant() ?? "").ToArray())
                    : a.Bad();
            case "FETCH" or "UID FETCH":
                return FetchArguments(a, name == "UID FETCH");
            case "STORE" or "UID STORE":
                return StoreArguments(a, name == "UID STORE");
            case "SEARCH" or "UID SEARCH":
                return SearchParser.Parse(a, name == "UID SEARCH");
            case "APPEND":
                return AppendArguments(a);
            case "COPY" or "MOVE" or "UID COPY" or "UID MOVE":
                return a.Expect(2) ? new CopyArgs(a.AString(0), name.StartsWith("UID", StringComparison.Ordinal),
                    name.EndsWith("MOVE", StringComparison.Ordinal), a.Mailbox(1)) : null;
            case "EXPUNGE":
                return a.Count == 0 ? new ExpungeArgs(false, null) : a.Bad();
            case "UID EXPUNGE":
                return a.Expect(1) ? new ExpungeArgs(true, a.AString(0)) : null;
            case "ID":
                return a.Count == 1 ? new IdArgs(a.Pairs(a[0])) : a.Bad();
            case "ENABLE":
                return a.Count >= 1 ? new EnableArgs(a.Words(0)) : a.Bad();
            case "COMPRESS":
                return a.Expect(1) ? new CompressArgs(a.AString(0).ToUpperInvariant()) : null;
            case "CAPABILITY" or "NOOP" or "LOGOUT" or "STARTTLS" or "IDLE" or "NAMESPACE" or "CHECK" or "CLOSE" or "UNSELECT":
                if (a.Count > 0) a.Bad();
                return null;
            default:
                return null;
        }
    }

    private static CommandArgs? ListArguments(ArgumentReader a)
    {
        // RFC 5258: LIST [(selection options)] reference (pattern | (patterns)) [RETURN (options)]
        var i = 0;
        IReadOnlyList<string>? select = null;
        if (a.Count > 0 && a[0] is ImapList options)
        {
            select = OptionNames(options);
            i = 1;
        }
        if (a.Count < i + 2) return a.Bad();
        var reference = a.Mailbox(i);
        IReadOnlyList<string> patterns = a[i + 1] is ImapList many
            ? many.Items.Select(ArgumentReader.MailboxText).ToArray()
            : [a.Mailbox(i + 1)];
        IReadOnlyList<string>? returns = null;
        if (a.Count > i + 2)
        {
            if (a.Count == i + 4 && a[i + 2].IsAtom("RETURN") && a[i + 3] is ImapList ret)
                returns = OptionNames(ret);
            else
                a.Bad();
        }
        return new ListArgs(reference, patterns, select, returns);
    }

    /// <summary>
    /// The option names of a LIST selection or return list (RFC 5258 §3). An option's own parenthesized arguments
    /// ("STATUS (MESSAGES UNSEEN)", RFC 5819 §2) belong to the option before them: they are not options.
    /// </summary>
    private static string[] OptionNames(ImapList options) => options.Items.Select(o => o.AsText()).OfType<string>().ToArray();

    private static CommandArgs? FetchArguments(ArgumentReader a, bool uid)
    {
        if (a.Count is < 2 or > 3) return a.Bad();
        var attributes = a[1] is ImapList list ? list.Items : [a[1]];
        var parsed = attributes.Select(v => FetchAttributeOf(v.AsText() ?? "")).ToArray();
        var modifiers = a.Count == 3 && a[2] is ImapList m ? m.Items : null;
        if (a.Count == 3 && modifiers is null) a.Bad();
        return new FetchArgs(a.AString(0), uid, parsed, modifiers);
    }

    /// <summary>Splits <c>BODY.PEEK[1.MIME]&lt;0.100&gt;</c> into name, section and partial (RFC 3501 §6.4.5).</summary>
    public static FetchAttribute FetchAttributeOf(string text)
    {
        var open = text.IndexOf('[');
        var close = text.LastIndexOf(']');
        if (open < 0 || close < open) return new FetchAttribute(Upper(text), null, null);
        var rest = text[(close + 1)..];
        string? partial = rest.StartsWith('<') && rest.EndsWith('>') ? rest[1..^1] : null;
        return new FetchAttribute(Upper(text[..open]), text[(open + 1)..close], partial);
    }

    /// <summary>Upper case without a copy when the text already is (servers send upper-case item names).</summary>
    internal static string Upper(string text) => text.AsSpan().ContainsAnyInRange('a', 'z') ? text.ToUpperInvariant() : text;

    private static CommandArgs? StoreArguments(ArgumentReader a, bool uid)
    {
        // RFC 7162 §3.1.3: STORE set [(UNCHANGEDSINCE n)] action flags
        var i = 1;
        IReadOnlyList<ImapValue>? modifiers = null;
        if (a.Count > 1 && a[1] is ImapList m)
        {
            modifiers = m.Items;
            i = 2;
        }
        if (a.Count < i + 2) return a.Bad();
        var action = a.AString(i).ToUpperInvariant();
        var silent = action.EndsWith(".SILENT", StringComparison.Ordinal);
        if (silent) action = action[..^7];
        if (action is not ("FLAGS" or "+FLAGS" or "-FLAGS" or "X-GM-LABELS" or "+X-GM-LABELS" or "-X-GM-LABELS")) a.Bad();
        var flags = a[i + 1] is ImapList list && a.Count == i + 2
            ? list.Items.Select(f => f.AsText() ?? "").ToArray()
            : a.Words(i + 1);
        return new StoreArgs(a.AString(0), uid, action, silent, flags, modifiers);
    }

    private static CommandArgs? AppendArguments(ArgumentReader a)
    {
        // RFC 3501 §6.3.11, RFC 3502 (several messages), RFC 4469 (CATENATE)
        if (a.Count < 2) return a.Bad();
        var messages = new List<AppendMessage>();
        var i = 1;
        while (i < a.Count)
        {
            IReadOnlyList<string>? flags = null;
            string? date = null;
            if (a[i] is ImapList flagList)
            {
                flags = flagList.Items.Select(f => f.AsText() ?? "").ToArray();
                i++;
            }
            if (i < a.Count && a[i] is ImapString { Literal: null } quoted)
            {
                date = quoted.Text;
                i++;
            }
            if (i >= a.Count) return a.Bad();
            if (a[i].IsAtom("CATENATE") && i + 1 < a.Count && a[i + 1] is ImapList parts)
            {
                messages.Add(new AppendMessage(flags, date, null, parts.Items));
                i += 2;
                continue;
            }
            if (a[i] is ImapString { Literal: { } literal })
            {
                messages.Add(new AppendMessage(flags, date, literal, null));
                i++;
                continue;
            }
            return a.Bad();
        }
        return new AppendArgs(a.Mailbox(0), messages);
    }

    /// <summary>RFC 3501 §3 and §6: which commands each state allows. Unknown commands are not judged.</summary>
    public static bool IsValidIn(string name, ProtocolState state)
    {
        var bare = name.StartsWith("UID ", StringComparison.Ordinal) ? "UID" : name;
        // CAPABILITY, NOOP and LOGOUT (§6.1), ID (RFC 2971 §3.1) and commands not known here: any state (the last arm).
        return bare switch
        {
            "STARTTLS" or "AUTHENTICATE" or "LOGIN" => state == ProtocolState.NotAuthenticated,
            "SELECT" or "EXAMINE" or "CREATE" or "DELETE" or "RENAME" or "SUBSCRIBE" or "UNSUBSCRIBE" or "LIST" or "LSUB"
                or "STATUS" or "APPEND" or "NAMESPACE" or "ENABLE" or "IDLE" or "COMPRESS"
                => state is ProtocolState.Authenticated or ProtocolState.Selected,
            "CHECK" or "CLOSE" or "UNSELECT" or "EXPUNGE" or "SEARCH" or "FETCH" or "STORE" or "COPY" or "MOVE" or "UID"
                => state == ProtocolState.Selected,
            _ => true,
        };
    }
}
