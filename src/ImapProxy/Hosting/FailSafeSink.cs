using Serilog.Core;
using Serilog.Events;

namespace ImapProxy.Hosting;

/// <summary>
/// The log file behind a guard: a file that cannot be written or closed (a full disk) must never take the proxy
/// down, and it did, when the file sink's Dispose threw "No space left on device". The console keeps every line.
/// </summary>
internal sealed class FailSafeSink(Logger file) : ILogEventSink, IDisposable
{
    public void Emit(LogEvent logEvent)
    {
        try
        {
            file.Write(logEvent);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        try
        {
            file.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
        }
    }
}
