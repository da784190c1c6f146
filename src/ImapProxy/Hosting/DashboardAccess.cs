using System.Security.Cryptography;

namespace ImapProxy.Hosting;

/// <summary>
/// The dashboard on an address other than loopback shows captured mail to whoever reaches it, so it then
/// requires an access token: given once as ?token=..., it becomes a cookie; tools send it as a Bearer token.
/// The <see cref="PlainEndpoints"/> stay public.
/// </summary>
internal static class DashboardAccess
{
    private const string Cookie = "imapproxy-token";

    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    public static void Require(WebApplication app, string token)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (PlainEndpoints.Paths.Contains(request.Path.Value, StringComparer.OrdinalIgnoreCase) || Matches(request.Cookies[Cookie], token)
                || Matches(request.Headers.Authorization.ToString().Replace("Bearer ", "", StringComparison.Ordinal), token))
            {
                await next();
                return;
            }
            if (Matches(request.Query["token"].ToString(), token))
            {
                context.Response.Cookies.Append(Cookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, IsEssential = true });
                context.Response.Redirect(request.PathBase + request.Path);
                return;
            }
            await Refusal.WriteAsync(context, StatusCodes.Status401Unauthorized,
                "this dashboard needs its access token. Open the link the proxy printed at start (…/?token=…), or send Authorization: Bearer <token>.");
        });
    }

    private static bool Matches(string? given, string token) =>
        !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(token));
}
