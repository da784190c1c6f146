using ImapProxy.Capture;
using ImapProxy.Recording;
using ImapProxy.Replay.Client;
using ImapProxy.Replay.Server;
using ImapProxy.Storage;
using ImapProxy.Storage.Retention;

namespace ImapProxy.Cli;

/// <summary>
/// The defaults of the command line and the configuration, in one place: the command table shows them in --help,
/// the settings and the verbs apply them. Values a library owns (the literal cap, the retention size, the replay's timeouts) are
/// read from it, so each is written once.
/// </summary>
internal static class Defaults
{
    /// <summary>The store and the logs, relative to the working directory.</summary>
    public const string DataDirectory = "data";

    /// <summary>The ImapProxy CA, relative to the working directory.</summary>
    public const string CaDirectory = "certs";

    public const string Dashboard = "http://127.0.0.1:5143";

    public const string PlainListener = "127.0.0.1:1143";
    public const string TlsListener = "127.0.0.1:1993";

    public const long LiteralCap = SessionRecording.DefaultLiteralLimit;

    public static long RetentionSize => RetentionOptions.DefaultMaxSize;

    public const long CaptureQueue = StorageOptions.DefaultQueueBytes;
    public const int MaxSessions = ProxyOptions.DefaultMaxSessions;
    public const int MaxSessionsPerClient = ProxyOptions.DefaultMaxSessionsPerClient;

    public const int SessionsLimit = 100;
    public const int EventsLimit = 1000;

    /// <summary>Where serve-capture listens from the command line (the API picks a free port).</summary>
    public static string ServeListen => new ServeOptions().Listen.ToString();

    /// <summary>The longest wait of serve-capture --timing original.</summary>
    public static TimeSpan ServeMaxDelay => new ServeOptions().MaxDelay;

    /// <summary>How long a replay holds IDLE at most, and waits for each answer.</summary>
    public static TimeSpan ReplayIdleMax => ClientReplayOptions.DefaultIdleMax;
    public static TimeSpan ReplayTimeout => ClientReplayOptions.DefaultResponseTimeout;
}
