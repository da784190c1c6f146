using System.Text.Json;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Decoding;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Rawlog;
using ImapProxy.Queries;
using ImapProxy.Recording;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;

namespace ImapProxy.Cli;

/// <summary>
/// <c>imapproxy lint</c>: the findings of a session, one block each, and an exit code for scripts. Recorded bytes are
/// played through a <see cref="SessionRecording"/> of their own (nothing stored), so they get the findings a live
/// session with the same bytes gets.
/// </summary>
internal static class LintVerb
{
    public static int LintRawlog(string baseName, bool json, TextWriter output, TextWriter error)
    {
        if (!RecordedFile.TryRead("lint", baseName + ".in", error, out var input) || !RecordedFile.TryRead("lint", baseName + ".out", error, out var outgoing))
            return ExitCodes.Unreadable;
        var clientLines = RawlogFile.Read(input);
        var serverLines = RawlogFile.Read(outgoing);
        var findings = Record(RawlogReplay.OptionsFor(serverLines), recording => recording.Replay(clientLines, serverLines));
        return Print(findings, $"{Path.GetFileName(baseName)}.in/.out", json, output);
    }

    public static int LintOneDirection(Direction direction, string file, bool json, TextWriter output, TextWriter error)
    {
        if (!RecordedFile.TryRead("lint", file, error, out var bytes)) return ExitCodes.Unreadable;
        var options = ImapParserOptions.Default with
        {
            Directions = direction == Direction.Client ? FedDirections.ClientOnly : FedDirections.ServerOnly,
        };
        var findings = Record(options, recording => recording.Feed(direction, bytes));
        return Print(findings, file, json, output);
    }

    /// <summary>The findings, a block each (or a JSON object per line); exit <see cref="ExitCodes.Findings"/> when one is a warning or an error.</summary>
    public static int Print(IReadOnlyList<FindingReported> findings, string what, bool json, TextWriter output)
    {
        if (json)
        {
            foreach (var finding in findings) output.WriteLine(JsonSerializer.Serialize(FindingView.From(finding), FrameJson.Options));
        }
        else
        {
            var counts = Enum.GetValues<Severity>().Reverse().Select(s => $"{findings.Count(f => f.Severity == s)} {s.ToString().ToLowerInvariant()}");
            output.WriteLine($"{what}: {findings.Count} finding{(findings.Count == 1 ? "" : "s")} ({string.Join(", ", counts)})");
            foreach (var f in findings)
            {
                output.WriteLine();
                output.WriteLine($"{f.Severity.ToString().ToLowerInvariant(),-8}{f.Rule}" + (f.Rfc is { } rfc ? $"  ({rfc})" : ""));
                output.WriteLine($"        {f.Message}");
                if (f.ClientImpact is { } impact) output.WriteLine($"        clients: {impact}");
                if (f.Evidence.Count > 0) output.WriteLine($"        events: {string.Join(", ", f.Evidence.Select(s => $"#{s}"))}");
            }
        }
        return findings.Any(f => f.Severity > Severity.Info) ? ExitCodes.Findings : ExitCodes.Ok;
    }

    private static IReadOnlyList<FindingReported> Record(ImapParserOptions options, Action<SessionRecording> feed)
    {
        var bus = new EventBus();
        // Only findings are kept; the rest passes through a queue that is read as it fills.
        using var subscription = bus.Subscribe("lint", int.MaxValue, essential: true, maxBytes: long.MaxValue);
        var findings = new List<FindingReported>();
        using (var recording = new SessionRecording(1, new SessionOpened
               {
                   Source = EventSource.Proxy, ClientAddress = "file", ListenerAddress = "file", Listener = ListenerKind.Plain, Upstream = "file",
               }, bus, new ReplayClock(DateTimeOffset.UnixEpoch), literalLimit: 0, options, CompressedInput.Detect))
        {
            feed(recording);
            recording.Close(CloseReason.EndOfRecording, "end of the recording");
        }
        while (subscription.Reader.TryRead(out var e))
            if (e is FindingReported finding) findings.Add(finding);
        return findings;
    }

}
