namespace ImapProxy.Faults;

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
