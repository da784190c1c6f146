using System.Text;

namespace ImapProxy.Faults;

/// <summary>A word of a rule's action, or a "quoted string" (with \" and \\), and where it starts in the rule.</summary>
internal sealed record ActionToken(string Text, int Position, bool Quoted)
{
    public bool Is(string word) => !Quoted && Text.Equals(word, StringComparison.OrdinalIgnoreCase);
}

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

/// <summary>Reads an action's tokens in order; each mistake names the place (the end of the rule when a word is missing).</summary>
internal sealed class TokenReader(ArraySegment<ActionToken> tokens, int end)
{
    private int next;

    public bool AtEnd => next >= tokens.Count;

    public ActionToken Word(string what) =>
        AtEnd ? throw new FaultRuleException(end, $"{what} is missing")
        : tokens[next].Quoted ? throw new FaultRuleException(tokens[next].Position, $"{what} is expected here, not a quoted text")
        : tokens[next++];

    public ActionToken Quoted(string what) =>
        AtEnd ? throw new FaultRuleException(end, $"{what} is missing")
        : tokens[next].Quoted ? tokens[next++] : throw new FaultRuleException(tokens[next].Position, $"{what} is expected here");

    public void Expect(string word)
    {
        var token = Word($"'{word}'");
        if (!token.Is(word)) throw new FaultRuleException(token.Position, $"'{word}' is expected here, not '{token.Text}'");
    }

    /// <summary>The rest as one text: one quoted string, or the words as written (single spaces).</summary>
    public ActionToken? Rest()
    {
        if (AtEnd) return null;
        var first = tokens[next];
        if (first.Quoted)
        {
            next++;
            return first;
        }
        var words = tokens[next..].TakeWhile(t => !t.Quoted).ToList();
        next += words.Count;
        return new ActionToken(string.Join(' ', words.Select(w => w.Text)), first.Position, Quoted: false);
    }

    public void End()
    {
        if (!AtEnd) throw new FaultRuleException(tokens[next].Position, $"unexpected '{tokens[next].Text}' after the action (modifiers: times N, probability P)");
    }
}
