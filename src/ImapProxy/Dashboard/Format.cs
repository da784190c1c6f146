using System.Globalization;

namespace ImapProxy.Dashboard;

/// <summary>Numbers and times the way the dashboard shows them: short, readable, invariant.</summary>
public static class Format
{
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / 1048576.0).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1073741824.0).ToString("0.##", CultureInfo.InvariantCulture) + " GiB",
    };

    public static string Duration(TimeSpan span) => span switch
    {
        { TotalMilliseconds: < 1 } => $"{span.TotalMicroseconds:0} µs",
        { TotalSeconds: < 1 } => $"{span.TotalMilliseconds:0.#} ms",
        { TotalMinutes: < 1 } => $"{span.TotalSeconds:0.#} s",
        { TotalHours: < 1 } => $"{(int)span.TotalMinutes} min {span.Seconds} s",
        _ => $"{(int)span.TotalHours} h {span.Minutes} min",
    };

    /// <summary>A leg's TLS as the session row holds it: "Tls13" as "TLS 1.3", null as "none", or "failed".</summary>
    public static string Tls(string? leg) => leg == "failed" ? leg : Recording.EventText.TlsVersion(leg);
}
