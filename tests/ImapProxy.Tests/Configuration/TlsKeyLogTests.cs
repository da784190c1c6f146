using ImapProxy.Hosting;

namespace ImapProxy.Tests.Configuration;

/// <summary>What --tls-keylog refuses before it turns anything on (turning it on is for a process of its own: Proxy/TlsKeyLogTests).</summary>
public sealed class TlsKeyLogTests
{
    [Fact]
    public void Enable_AFileOthersMayRead_IsRefused_AndNothingIsTurnedOn()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            var problem = TlsKeyLog.Enable(file);

            Assert.Equal($"--tls-keylog: {file} exists and others may read it (mode 644): remove it or chmod 600 it first", problem);
            Assert.NotEqual(file, Environment.GetEnvironmentVariable(TlsKeyLog.Variable));
            Assert.False(AppContext.TryGetSwitch(TlsKeyLog.Switch, out var on) && on);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Option_IsAFullPath_AndOffByDefault()
    {
        Assert.Null(ProxySettingsTests.From(["--upstream", "x:993"]).TlsKeyLog);
        Assert.Equal(Path.GetFullPath("keys.log"), ProxySettingsTests.From(["--upstream", "x:993", "--tls-keylog", "keys.log"]).TlsKeyLog);
    }
}
