using System.Diagnostics;

namespace ImapProxy.Storage.Tests.Export;

/// <summary>Runs Wireshark's command-line tshark (Debian package tshark). Missing, it fails the test with a hint; never skips.</summary>
internal static class Tshark
{
    public static string Run(params string[] arguments)
    {
        var path = Find() ?? throw new Xunit.Sdk.XunitException(
            "tshark is not installed, and the pcap export is tested with it: run tools/install-prerequisites.sh, or " +
            "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tshark");
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"tshark {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}");
        return output;
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "tshark"))
            .FirstOrDefault(File.Exists);
}
