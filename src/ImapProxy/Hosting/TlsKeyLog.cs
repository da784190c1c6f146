using System.Net.Security;
using System.Reflection;
using ImapProxy.Storage;

namespace ImapProxy.Hosting;

/// <summary>
/// <c>--tls-keylog FILE</c>: the TLS secrets of every connection written to FILE in the NSS key log format
/// (SSLKEYLOGFILE), so Wireshark can decrypt a packet capture of the real traffic on both legs.
/// .NET offers no key log per connection: on Linux its OpenSSL layer writes the secrets of every TLS connection of the
/// process to the file the SSLKEYLOGFILE variable names, when the AppContext switch System.Net.EnableSslKeyLogging is
/// on; it reads both once, at the process's first TLS use (the static constructor of its internal SslKeyLogger). So the
/// option sets both before anything uses TLS, and so it also covers replays and served captures, not only the relay.
/// </summary>
internal static class TlsKeyLog
{
    public const string Variable = "SSLKEYLOGFILE";
    public const string Switch = "System.Net.EnableSslKeyLogging";

    /// <summary>Creates the file owner-only and turns the logging on; the problem, in words, when it cannot be.</summary>
    public static string? Enable(string path)
    {
        // Windows' and macOS's TLS stacks (SChannel, Secure Transport) do not hand their secrets to the application.
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsFreeBSD())
            return "--tls-keylog needs .NET's OpenSSL TLS (Linux): this platform's TLS stack keeps its secrets";
        try
        {
            // Created 0600 before .NET opens it: .NET appends to a file that exists and keeps its mode.
            OwnerOnly.CreateFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"--tls-keylog: cannot create {path}: {e.Message}";
        }
        if ((File.GetUnixFileMode(path) & ~OwnerOnly.ReadWrite) != 0)
            return $"--tls-keylog: {path} exists and others may read it (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}): " +
                   "remove it or chmod 600 it first";
        Environment.SetEnvironmentVariable(Variable, path);
        AppContext.SetSwitch(Switch, true);
        return IsWriting() == false ? "--tls-keylog: TLS was already in use in this process before the key log was set up, so .NET does not write it" : null;
    }

    /// <summary>
    /// Whether .NET's key logger took the file (reading it makes .NET read the variable and the switch now, if it had
    /// not yet); null when this .NET has no such logger to ask, and the first handshake will tell.
    /// </summary>
    private static bool? IsWriting() =>
        typeof(SslStream).Assembly.GetType("SslKeyLogger")?.GetProperty("IsEnabled", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            ?.GetValue(null) as bool?;
}
