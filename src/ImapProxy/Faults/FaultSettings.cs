using ImapProxy.Capture.Faults;
using ImapProxy.Configuration;

namespace ImapProxy.Faults;

/// <summary>Fault rules as settings (--fault, --faults FILE, "Faults" in appsettings.json): each mistake one line naming the rule and where.</summary>
internal static class FaultSettings
{
    /// <exception cref="SettingsException">The rule cannot be used.</exception>
    public static FaultRule Rule(string text, string option)
    {
        try
        {
            return FaultRuleParser.Parse(text);
        }
        catch (FaultRuleException e)
        {
            throw new SettingsException($"{option} '{text}': {e.Message}");
        }
    }

    /// <summary>One rule a line; blank lines and lines starting with # are skipped.</summary>
    /// <exception cref="SettingsException">The file cannot be read, or a rule in it cannot be used (its line is named).</exception>
    public static IReadOnlyList<FaultRule> File(string path, string option)
    {
        string[] lines;
        try
        {
            lines = System.IO.File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new SettingsException($"{option}: cannot read {path}: {e.Message}");
        }
        return lines.Select((line, index) => (Text: line.Trim(), Number: index + 1))
            .Where(l => l.Text.Length > 0 && !l.Text.StartsWith('#'))
            .Select(l => Rule(l.Text, $"{option} {path} line {l.Number}:"))
            .ToList();
    }
}
