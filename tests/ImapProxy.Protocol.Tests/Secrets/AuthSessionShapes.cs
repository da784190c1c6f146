using System.Text;

namespace ImapProxy.Protocol.Tests.Secrets;

/// <summary>A generated session, the secrets in it that must never reach the sink, and how it was made.</summary>
internal sealed record AuthSession(IReadOnlyList<Step> Steps, IReadOnlyList<SecretText> Secrets, ImapParserOptions Options, string Shape);

/// <summary>A secret as it travels, and from which character on its text is secret (what comes before, such as
/// the user name at the start of a PLAIN response, may stay visible).</summary>
internal sealed record SecretText(string Text, int SecretFrom);

/// <summary>
/// Makes sessions that log in every way the parser redacts: LOGIN with an atom, quoted or literal password
/// (RFC 3501 §6.2.3, RFC 7888), AUTHENTICATE PLAIN (RFC 4616), LOGIN and XOAUTH2 with and without SASL-IR
/// (RFC 4959), answered with "+" and OK/NO, refused at once, or met by a mute server; clients that send before
/// the continuation; small line and hold limits; sessions cut at any byte.
/// </summary>
internal static class AuthSessionShapes
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private enum Server { Answers, Refuses, Mute }

    public static AuthSession Next(Random random)
    {
        var password = new string(Enumerable.Range(0, random.Next(12, 40)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
        var server = (Server)random.Next(3);
        // A client that does not wait for "+" sends its responses right after the command.
        var eager = random.Next(2) == 0;
        var steps = new List<Step>();
        void Send(Direction direction, string text) => steps.Add(new Step(direction, Encoding.ASCII.GetBytes(text)));

        Send(Direction.Server, "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN AUTH=LOGIN AUTH=XOAUTH2] ready\r\n");
        if (random.Next(3) == 0)
        {
            Send(Direction.Client, "a0 CAPABILITY\r\n");
            Send(Direction.Server, "* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN\r\na0 OK done\r\n");
        }
        var (secrets, shape) = random.Next(2) == 0
            ? Login(random, password, server, eager, Send)
            : Authenticate(random, password, server, eager, Send);
        if (server != Server.Mute && random.Next(2) == 0)
        {
            Send(Direction.Client, "a2 NOOP\r\n");
            Send(Direction.Server, "a2 OK done\r\n");
        }

        var options = ImapParserOptions.Default;
        if (random.Next(3) == 0) options = options with { MaxLineLength = random.Next(8, 80) };
        if (random.Next(3) == 0) options = options with { MaxHeldClientBytes = random.Next(1, 48) };
        var cut = random.Next(3) == 0 ? random.Next(steps.Sum(s => s.Bytes.Length)) : (int?)null;
        return new AuthSession(cut is { } at ? Cut(steps, at) : steps, secrets, options,
            $"{shape}, server {server}, {(eager ? "eager" : "patient")} client, line limit {options.MaxLineLength}, "
            + $"hold limit {options.MaxHeldClientBytes}, cut at {cut?.ToString() ?? "none"}");
    }

    private static (SecretText[], string) Login(Random random, string password, Server server, bool eager, Action<Direction, string> send)
    {
        var form = random.Next(4);
        switch (form)
        {
            case 0:
                send(Direction.Client, $"a1 LOGIN alice {password}\r\n");
                break;
            case 1:
                send(Direction.Client, $"a1 LOGIN \"alice\" \"{password}\"\r\n");
                break;
            case 2:
                // RFC 3501 §7.5: the body waits for "+"; a refusal before it ends the command.
                send(Direction.Client, $"a1 LOGIN alice {{{password.Length}}}\r\n");
                if (server == Server.Answers) send(Direction.Server, "+ Ready\r\n");
                // Not generated: a body sent before a refusal, which the parser reads as the server does, as the
                // next command, and so shows (a known gap).
                if (server == Server.Answers || (server == Server.Mute && eager)) send(Direction.Client, $"{password}\r\n");
                break;
            default:
                send(Direction.Client, $"a1 LOGIN alice {{{password.Length}+}}\r\n{password}\r\n");
                break;
        }
        if (server != Server.Mute) send(Direction.Server, server == Server.Answers ? "a1 OK logged in\r\n" : "a1 NO [AUTHENTICATIONFAILED] no\r\n");
        return ([new SecretText(password, 0)], $"LOGIN form {form}");
    }

    private static (SecretText[], string) Authenticate(Random random, string password, Server server, bool eager, Action<Direction, string> send)
    {
        var mechanism = random.Next(3) switch { 0 => "PLAIN", 1 => "LOGIN", _ => "XOAUTH2" };
        var (responses, secrets) = SaslResponses(mechanism, password);
        var initialResponse = random.Next(2) == 0;
        var first = initialResponse ? $" {responses[0]}" : "";
        var rest = initialResponse ? responses.Skip(1).ToList() : responses;

        send(Direction.Client, $"a1 AUTHENTICATE {mechanism}{first}\r\n");
        if (eager && rest.Count > 0) send(Direction.Client, string.Concat(rest.Select(r => r + "\r\n")));
        switch (server)
        {
            case Server.Answers:
                foreach (var response in rest)
                {
                    send(Direction.Server, "+ \r\n");
                    if (!eager) send(Direction.Client, response + "\r\n");
                }
                send(Direction.Server, random.Next(2) == 0 ? "a1 OK logged in\r\n" : "a1 NO [AUTHENTICATIONFAILED] no\r\n");
                break;
            case Server.Refuses:
                send(Direction.Server, "a1 NO [CANNOT] not this mechanism\r\n");
                break;
        }
        return (secrets, $"AUTHENTICATE {mechanism}{(initialResponse ? " with SASL-IR" : "")}");
    }

    /// <summary>The client's responses of a mechanism, base64 as on the wire, and the secrets among them.</summary>
    private static (List<string> Responses, SecretText[] Secrets) SaslResponses(string mechanism, string password)
    {
        switch (mechanism)
        {
            case "PLAIN":
                // RFC 4616 §2: authzid NUL authcid NUL passwd
                var plain = Base64Secret("\0alice\0", password);
                return ([plain.Text], [plain, new SecretText(password, 0)]);
            case "LOGIN":
                var secret = Base64Secret("", password);
                return ([Convert.ToBase64String("alice"u8), secret.Text], [secret, new SecretText(password, 0)]);
            default:
                // Google's XOAUTH2: "user=" user ^A "auth=Bearer " token ^A ^A
                var token = Base64Secret("user=alice\u0001auth=Bearer ", password + "\u0001\u0001");
                return ([token.Text], [token, new SecretText(password, 0)]);
        }
    }

    /// <summary>base64 of a visible prefix and a secret: the characters from the first that encodes only secret bytes on are secret.</summary>
    private static SecretText Base64Secret(string visible, string secret) =>
        new(Convert.ToBase64String(Encoding.ASCII.GetBytes(visible + secret)), (visible.Length + 2) / 3 * 4);

    /// <summary>The session as far as its first <paramref name="length"/> bytes: the connection dropped there.</summary>
    private static List<Step> Cut(List<Step> steps, int length)
    {
        var kept = new List<Step>();
        foreach (var step in steps)
        {
            if (length <= 0) break;
            kept.Add(step with { Bytes = step.Bytes[..Math.Min(length, step.Bytes.Length)] });
            length -= step.Bytes.Length;
        }
        return kept;
    }
}
