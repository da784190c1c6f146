using System.Net;
using ImapProxy.Configuration;
using Microsoft.Extensions.Primitives;

namespace ImapProxy.Hosting;

/// <summary>
/// DNS rebinding: a page on evil.example points its name at 127.0.0.1 and then reads the dashboard as its own origin;
/// the browser still sends Host: evil.example. So the dashboard answers only to the names it is legitimately reached by:
/// loopback's, the address it listens on and the names configured (--dashboard-host). Listening on every address
/// (0.0.0.0, or a name), it also answers to any IP address: an address in Host is never a rebound name. The port is not
/// compared: a container publishes the dashboard on a port of its host's choosing. The CA downloads and the health probe
/// answer any Host (phones fetch the CA by whatever name reaches the machine; they are not secret).
/// ASP.NET Core's HostFiltering matches names the same way (<see cref="HostString.MatchesAny"/>, used here), but it
/// answers in HTML and has neither exception.
/// </summary>
internal static class HostCheck
{
    private static readonly string[] Loopback = ["localhost", "127.0.0.1", "[::1]"];

    public static void Add(WebApplication app, ProxySettings settings)
    {
        var names = Loopback.Append(settings.Dashboard.Host).Concat(settings.DashboardHosts).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var patterns = names.Select(n => new StringSegment(n)).ToList();
        var anyAddress = settings.DashboardOnEveryAddress;
        app.Use((context, next) =>
        {
            var host = context.Request.Host;
            if (HostString.MatchesAny(host.Host, patterns) || (anyAddress && IPAddress.TryParse(host.Host.Trim('[', ']'), out _))
                || PlainEndpoints.Paths.Contains(context.Request.Path.Value, StringComparer.OrdinalIgnoreCase))
                return next(context);
            return Refusal.WriteAsync(context, StatusCodes.Status400BadRequest,
                $"refused Host '{host}': the dashboard answers to {string.Join(", ", names)} (name others with --dashboard-host)");
        });
    }
}
