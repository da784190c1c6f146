using System.Text;
using ImapProxy.Protocol.Commands;
using ImapProxy.Replay.Captured;

namespace ImapProxy.Replay.Client;

/// <summary>
/// Puts a user name and password back where capture redacted them: LOGIN (RFC 3501 §6.2.3), AUTHENTICATE PLAIN
/// (RFC 4616, with or without the SASL-IR initial response of RFC 4959) and AUTHENTICATE LOGIN (user, then password).
/// </summary>
public sealed record Credentials(string User, string Password)
{
    /// <summary>The command to send in place of the captured one, with its client lines; null when it holds no secret.</summary>
    public (byte[] Command, IReadOnlyList<byte[]> Lines)? Substitute(CapturedExchange exchange, string tag)
    {
        switch (exchange.Name)
        {
            case "LOGIN":
                return (Ascii($"{tag} LOGIN {AString(User)} {AString(Password)}\r\n"), []);
            case "AUTHENTICATE":
                var mechanism = Mechanism(exchange);
                var initial = exchange.Frame.Args is AuthenticateArgs { HasInitialResponse: true };
                if (mechanism == "PLAIN")
                {
                    var response = Base64($"\0{User}\0{Password}");
                    return initial
                        ? (Ascii($"{tag} AUTHENTICATE PLAIN {response}\r\n"), [])
                        : (Ascii($"{tag} AUTHENTICATE PLAIN\r\n"), [Ascii(response + "\r\n")]);
                }
                if (mechanism == "LOGIN")
                {
                    List<byte[]> lines = [Ascii(Base64(Password) + "\r\n")];
                    if (!initial) lines.Insert(0, Ascii(Base64(User) + "\r\n"));
                    return (Ascii(initial ? $"{tag} AUTHENTICATE LOGIN {Base64(User)}\r\n" : $"{tag} AUTHENTICATE LOGIN\r\n"), lines);
                }
                return null;
            default:
                return null;
        }
    }

    /// <summary>The user the capture shows for this session (LOGIN's, or the one decoded from SASL PLAIN).</summary>
    public static string? CapturedUser(CapturedSession session)
    {
        foreach (var exchange in session.Exchanges.Where(x => x.Name is "LOGIN" or "AUTHENTICATE"))
        {
            var user = exchange.Frame.Args switch
            {
                LoginArgs login => login.User,
                AuthenticateArgs authenticate => authenticate.User,
                _ => null,
            };
            if (user is { Length: > 0 }) return user;
        }
        return null;
    }

    public static bool Needed(CapturedSession session) => session.Exchanges.Any(x => x.Name is "LOGIN" or "AUTHENTICATE");

    /// <summary>Whether <see cref="Substitute"/> can rebuild this command's secret: LOGIN, AUTHENTICATE PLAIN or LOGIN.</summary>
    public static bool CanRebuild(CapturedExchange exchange) =>
        exchange.Name == "LOGIN" || (exchange.Name == "AUTHENTICATE" && Mechanism(exchange) is "PLAIN" or "LOGIN");

    public static string Mechanism(CapturedExchange exchange) =>
        (exchange.Frame.Args as AuthenticateArgs)?.Mechanism.ToUpperInvariant() ?? "";

    /// <summary>A quoted string when the text allows one, else a synchronizing literal (RFC 3501 §4.3, §4.5).</summary>
    private static string AString(string text)
    {
        if (text.All(c => c is >= ' ' and <= '~'))
            return "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return $"{{{Encoding.UTF8.GetByteCount(text)}}}\r\n{text}";
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text);
}
