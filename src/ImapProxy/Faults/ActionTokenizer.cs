using System.Text;

namespace ImapProxy.Faults;

/// <summary>A word of a rule's action, or a "quoted string" (with \" and \\), and where it starts in the rule.</summary>
internal sealed record ActionToken(string Text, int Position, bool Quoted)
{
    public bool Is(string word) => !Quoted && Text.Equals(word, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Cuts a rule's action into words and quoted texts, each with its position in the rule.</summary>
internal static class ActionTokenizer
{
    public static ActionToken[] Tokenize(string text, int start)
    {
        var tokens = new List<ActionToken>();
        var i = start;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i == text.Length) return tokens.ToArray();
            var begin = i;
            if (text[i] != '"')
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
                tokens.Add(new ActionToken(text[begin..i], begin, Quoted: false));
                continue;
            }
            var value = new StringBuilder();
            for (i++; ; i++)
            {
                if (i >= text.Length) throw new FaultRuleException(begin, "a quoted text is not closed with \"");
                if (text[i] == '"') break;
                if (text[i] == '\\' && i + 1 < text.Length) i++;
                value.Append(text[i]);
            }
            i++;
            tokens.Add(new ActionToken(value.ToString(), begin, Quoted: true));
        }
    }
}
