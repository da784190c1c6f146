using System.Net;
using System.Text;
using ImapProxy.Capture.Relay;
using ImapProxy.Capture.Tls;
using ImapProxy.Configuration;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Hosting;

/// <summary>A minimal status page until the Blazor dashboard lands: listeners, counters, the CA, recent sessions.</summary>
internal static class StatusPage
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/", (ProxySettings settings, BoundListeners listeners, ProxyCounters counters, SqliteEventStore store) =>
            Results.Content(Render(settings, listeners, counters, store), "text/html; charset=utf-8"));
        app.MapGet("/ca.pem", (CertificateAuthority ca) => Results.File(Encoding.ASCII.GetBytes(ca.ExportCertificatePem()), "application/x-pem-file", "imapproxy-ca.pem"));
        app.MapGet("/ca.cer", (CertificateAuthority ca) => Results.File(ca.ExportCertificateDer(), "application/pkix-cert", "imapproxy-ca.cer"));
        app.MapGet("/api/health", (ProxyCounters counters) => Results.Json(new
        {
            status = "ok",
            activeSessions = counters.ActiveSessions,
            totalSessions = counters.TotalSessions,
            bytesFromClients = counters.ClientBytes,
            bytesFromServers = counters.ServerBytes,
        }));
    }

    private static string Render(ProxySettings settings, BoundListeners listeners, ProxyCounters counters, SqliteEventStore store)
    {
        static string E(object? value) => WebUtility.HtmlEncode(value?.ToString() ?? "");
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>ImapProxy</title>")
            .Append("<style>body{font:14px system-ui,sans-serif;margin:2em}td,th{padding:2px 10px;text-align:left}code{font-family:ui-monospace,monospace}</style></head><body>")
            .Append("<h1>ImapProxy</h1>")
            .Append($"<p>Upstream <code>{E(settings.Proxy.Upstream)}</code> ({E(settings.Proxy.EffectiveUpstreamTls)}), client TLS {E(settings.Proxy.ClientTls)}")
            .Append(settings.Proxy.UpstreamInsecure ? " — <strong>upstream certificate NOT verified</strong>" : "")
            .Append("</p><ul>");
        foreach (var listener in listeners.All) html.Append($"<li>{E(listener.Kind)} listener <code>{E(listener.EndPoint)}</code></li>");
        html.Append("</ul>")
            .Append($"<p>Active sessions {counters.ActiveSessions}, total {counters.TotalSessions}, bytes up {counters.ClientBytes}, down {counters.ServerBytes}.</p>")
            .Append("<p>CA certificate: <a href=\"/ca.pem\">PEM</a> · <a href=\"/ca.cer\">DER (phones)</a></p>")
            .Append("<h2>Recent sessions</h2><table><tr><th>id</th><th>started</th><th>client</th><th>user</th><th>commands</th><th>NO/BAD</th><th>closed</th></tr>");
        foreach (var s in store.GetSessions(50))
            html.Append($"<tr><td>{s.Id}</td><td>{E(s.StartedAt)}</td><td>{E(s.ClientAddress)}</td><td>{E(s.User)}</td><td>{s.Commands}</td><td>{s.Failures}</td><td>{E(s.CloseReason)}</td></tr>");
        return html.Append("</table></body></html>").ToString();
    }
}
