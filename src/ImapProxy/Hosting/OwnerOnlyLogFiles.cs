using System.Text;
using ImapProxy.Storage;
using Serilog.Sinks.File;

namespace ImapProxy.Hosting;

/// <summary>
/// Serilog's file sink creates each day's log readable by all (0644 under the usual umask), and the log names users,
/// servers and what failed. Each file is made its owner's only as the sink opens it, before the first line. In the logs
/// folder the proxy made (its owner's only, <see cref="OwnerOnly"/>) no one else can have opened the file in between.
/// </summary>
internal sealed class OwnerOnlyLogFiles : FileLifecycleHooks
{
    public override Stream OnFileOpened(string path, Stream underlyingStream, Encoding encoding)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, OwnerOnly.ReadWrite);
        return underlyingStream;
    }
}
