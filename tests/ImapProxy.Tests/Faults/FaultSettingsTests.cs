using ImapProxy.Capture.Faults;
using ImapProxy.Cli;
using ImapProxy.Configuration;
using Microsoft.Extensions.Configuration;

namespace ImapProxy.Tests.Faults;

public sealed class FaultSettingsTests : IDisposable
{
    private readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("imapproxy-faults-");

    private string[] Dirs => ["--data", Path.Combine(temp.FullName, "data"), "--ca-dir", Path.Combine(temp.FullName, "certs")];

    [Fact]
    public async Task BadRule_OnTheCommandLine_IsOneLine_NamingWhere_AndExitCode2()
    {
        var (exitCode, output) = await Support.Cli.RunAsync(["--upstream", "x:993", "--fault", "cmd:FETCH => explode", .. Dirs]);

        Assert.Equal(2, exitCode);
        Assert.Equal("imapproxy: --fault 'cmd:FETCH => explode': at character 14: unknown action 'explode'", output[..(output.IndexOf(" (", StringComparison.Ordinal))]);
        Assert.Single(output.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task BadRule_InAFile_NamesItsLine_AndExitCode2()
    {
        var file = Path.Combine(temp.FullName, "faults.txt");
        await File.WriteAllLinesAsync(file, ["# the phone's crash", "cmd:FETCH => literal truncate 10", "", "cmd:SELECT => delay forever"]);

        var (exitCode, output) = await Support.Cli.RunAsync(["--upstream", "x:993", "--faults", file, .. Dirs]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"--faults {file} line 4: 'cmd:SELECT => delay forever': at character 21: 'forever' is not a duration", output);
        Assert.Single(output.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Rules_ComeFromTheCommandLine_TheFile_AndAppsettings_CommasIncluded()
    {
        var file = Path.Combine(temp.FullName, "faults.txt");
        File.WriteAllLines(file, ["# comment", "  cmd:NOOP => close  "]);
        var json = """{ "ImapProxy": { "Faults": [ "cmd:FETCH => status NO one, two" ] } }""";
        var builder = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
        builder.AddInMemoryCollection(CommandTable.ProxyConfiguration(["--upstream", "x:993", "--faults", file, "--fault", "cmd:LIST => inject \"* 0 EXISTS, really\""]));

        var rules = ProxySettings.From(builder.Build()).Faults;

        // The command line's list replaces appsettings.json's items one by one (Faults:0), as for --listen.
        Assert.Equal([new InjectFault("* 0 EXISTS, really"), new CloseFault(null)], rules.Select(r => r.Action));
        var fromJson = ProxySettings.From(new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)))
            .AddInMemoryCollection(CommandTable.ProxyConfiguration(["--upstream", "x:993"])).Build()).Faults;
        Assert.Equal([new StatusFault(FaultStatus.No, "one, two")], fromJson.Select(r => r.Action));
    }

    public void Dispose() => temp.Delete(recursive: true);
}
