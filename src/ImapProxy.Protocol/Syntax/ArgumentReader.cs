using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol.Syntax;

/// <summary>Typed access to a list of values; a shape mismatch marks the list malformed instead of throwing.</summary>
internal sealed class ArgumentReader(IReadOnlyList<ImapValue> values, FrameContent frame, bool malformed = false)
{
    public bool Malformed { get; private set; } = malformed;

    public int Count => values.Count;

    public ImapValue this[int index] => values[index];

    public FrameContent Frame => frame;

    /// <summary>Marks the arguments malformed; returns null so callers can <c>return a.Bad();</c>.</summary>
    public T? Bad<T>() where T : class
    {
        Malformed = true;
        return null;
    }

    public Commands.CommandArgs? Bad() => Bad<Commands.CommandArgs>();

    public bool Expect(int count)
    {
        if (values.Count == count) return true;
        Malformed = true;
        return false;
    }

    /// <summary>An astring (RFC 3501 §9): atom or string. NIL as an astring is the mailbox or word "NIL".</summary>
    public string AString(int index) => index < values.Count ? Text(values[index]) : "";

    /// <summary>A mailbox name, decoded from modified UTF-7 (RFC 3501 §5.1.3).</summary>
    public string Mailbox(int index) => index < values.Count ? MailboxText(values[index]) : "";

    public static string MailboxText(ImapValue value) => ModifiedUtf7.TryDecode(Text(value), out var decoded) ? decoded : Text(value);

    /// <summary>Atoms from <paramref name="start"/> to the end, as text.</summary>
    public IReadOnlyList<string> Words(int start) => values.Skip(start).Select(Text).ToArray();

    public bool TryNumber(int index, out ulong number)
    {
        number = 0;
        if (index < values.Count && values[index].TryGetNumber(out number)) return true;
        Malformed = true;
        if (index < values.Count) frame.Report(Rules.InvalidNumber, values[index].Start, values[index] is ImapList ? "a list" : Text(values[index]));
        return false;
    }

    /// <summary>A list of field/value pairs (ID, RFC 2971 §3.3), or null for NIL.</summary>
    public IReadOnlyDictionary<string, string?>? Pairs(ImapValue value)
    {
        if (value is not ImapList list) return null;
        if (list.Items.Count % 2 != 0) Malformed = true;
        var pairs = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i + 1 < list.Items.Count; i += 2)
            pairs[Text(list.Items[i])] = list.Items[i + 1].AsText();
        return pairs;
    }

    public static string Text(ImapValue value) => value switch
    {
        ImapNil => "NIL",
        ImapString { Text: null, Literal: { } literal } => $"{{{literal.Length} bytes}}",
        _ => value.AsText() ?? "",
    };
}
