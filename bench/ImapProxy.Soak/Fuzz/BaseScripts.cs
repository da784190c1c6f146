using System.Text.RegularExpressions;
using ImapProxy.Protocol.Tests;

namespace ImapProxy.Soak.Fuzz;

/// <summary>A conversation to play through the proxy: the name of the fixture it came from and its steps.</summary>
internal sealed record Script(string Name, IReadOnlyList<Step> Steps);

/// <summary>The protocol tests' C:/S: fixtures (copied next to the program by the project file), read by their own reader.</summary>
internal static partial class BaseScripts
{
    public static IReadOnlyList<Script> Load()
    {
        var scripts = Transcript.FixtureNames()
            .Select(name => new Script(name, Transcript.Parse(WithoutStartTls(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name))))))
            .Where(s => s.Steps.Any(step => step.Direction == Protocol.Direction.Client) && s.Steps.Any(step => step.Direction == Protocol.Direction.Server))
            .ToList();
        if (scripts.Count == 0) throw new InvalidOperationException($"no fixtures under {Path.Combine(AppContext.BaseDirectory, "Fixtures")}");
        return scripts;
    }

    // A server's OK to STARTTLS makes the proxy start TLS on both legs, which a byte script cannot play; without the
    // command the OK is just an unmatched tagged response and is relayed like any other. (Mutations do not invent a
    // STARTTLS; COMPRESS and AUTHENTICATE change nothing in the relay, only in what the parser makes of the bytes.)
    private static string WithoutStartTls(string transcript) => StartTlsCommand().Replace(transcript, "# (STARTTLS left out by the soak check)");

    [GeneratedRegex(@"^C: \S+ STARTTLS[ \t\r]*$", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex StartTlsCommand();
}
