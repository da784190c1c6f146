using System.Net;
using System.Text;
using ImapProxy.Capture.Relay;
using ImapProxy.Tls;
using ImapProxy.Configuration;
using ImapProxy.Storage.Writing;

namespace ImapProxy.Hosting;

/// <summary>
/// Plain HTTP endpoints beside the dashboard: the CA downloads and a health probe. They are public: a phone downloads
/// the CA before it could have the dashboard's token, by whatever name reaches the machine, and a container's
/// HEALTHCHECK asks for its health; none of them tells a secret.
/// </summary>
internal static class PlainEndpoints
{
    public static readonly string[] Paths = ["/ca.pem", "/ca.cer", "/api/health"];

    public static void Map(WebApplication app)
    {
        app.MapGet("/ca.pem", (CertificateAuthority ca) => Results.File(Encoding.ASCII.GetBytes(ca.ExportCertificatePem()), "application/x-pem-file", "imapproxy-ca.pem"));
        app.MapGet("/ca.cer", (CertificateAuthority ca) => Results.File(ca.ExportCertificateDer(), "application/pkix-cert", "imapproxy-ca.cer"));
        app.MapGet("/api/health", (ProxyCounters counters, EventStoreWriter writer, ProxyServer relay) => Results.Json(new
        {
            // The proxy is healthy while it relays (503 otherwise, so a container restarts it); a store that cannot
            // write is said, not a reason to restart it.
            status = relay.Accepting ? "ok" : "relay-stopped",
            // The details (with paths) are on the status page; this answers any Host, so it says only the state.
            store = writer.Health.Writing ? "writing" : "failing",
            eventsLost = writer.EventsLost,
            activeSessions = counters.ActiveSessions,
            totalSessions = counters.TotalSessions,
            bytesFromClients = counters.ClientBytes,
            bytesFromServers = counters.ServerBytes,
        }, statusCode: relay.Accepting ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable));
    }
}
