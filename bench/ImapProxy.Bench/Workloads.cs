using System.Text;
using ImapProxy.Protocol;

namespace ImapProxy.Bench;

/// <summary>
/// The sessions the benchmarks parse. Built deterministically, once per process: the benchmark process parses
/// them and the host process asks for their size to compute MB/s.
/// </summary>
internal static class Workloads
{
    public const int LiteralMessages = 200;
    public const int LiteralSize = 1024 * 1024;
    public const int MetadataMessages = 10_000;

    private static readonly Lazy<RecordedSession> literalHeavy = new(BuildLiteralHeavy);
    private static readonly Lazy<RecordedSession> metadataHeavy = new(BuildMetadataHeavy);

    /// <summary>200 messages of 1 MiB downloaded one by one, as a client that fetches whole messages does.</summary>
    public static RecordedSession LiteralHeavy => literalHeavy.Value;

    /// <summary>A client that syncs a mailbox's headers: one UID FETCH answered by 10,000 metadata lines.</summary>
    public static RecordedSession MetadataHeavy => metadataHeavy.Value;

    public static RecordedSession? ByBenchmarkName(string name) => name switch
    {
        nameof(ParserBenchmarks.LiteralHeavy) => LiteralHeavy,
        nameof(ParserBenchmarks.MetadataHeavy) => MetadataHeavy,
        _ => null,
    };

    private static RecordedSession BuildLiteralHeavy()
    {
        var session = Opening();
        var message = Message(LiteralSize);
        for (var n = 1; n <= LiteralMessages; n++)
        {
            var uid = 1000 + n;
            session.Client($"a{n + 2} UID FETCH {uid} (BODY.PEEK[])");
            var response = new MemoryStream(LiteralSize + 200);
            response.Write(Encoding.ASCII.GetBytes($"* {n} FETCH (UID {uid} BODY[] {{{message.Length}}}\r\n"));
            response.Write(message);
            response.Write(Encoding.ASCII.GetBytes($")\r\na{n + 2} OK Fetch completed (0.001 + 0.000 secs).\r\n"));
            session.Add(Direction.Server, response.ToArray());
        }
        return Closing(session, LiteralMessages + 3);
    }

    private static RecordedSession BuildMetadataHeavy()
    {
        var session = Opening();
        session.Client("a3 UID FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE)");
        var response = new StringBuilder();
        for (var n = 1; n <= MetadataMessages; n++)
            response.Append(MetadataLine(n)).Append("\r\n");
        response.Append("a3 OK Fetch completed (0.052 + 0.000 + 0.051 secs).\r\n");
        session.Add(Direction.Server, Encoding.UTF8.GetBytes(response.ToString()));
        return Closing(session, 4);
    }

    /// <summary>
    /// One FETCH line as Dovecot or Gmail send it: a reply with several recipients, an encoded word, and a
    /// multipart/mixed (alternative text + PDF attachment) with extension data (MD5, disposition, language, location).
    /// </summary>
    public static string MetadataLine(int n)
    {
        var uid = 40_000 + n;
        var size = 20_000 + n * 7 % 150_000;
        var day = 1 + n % 28;
        var envelope =
            $"(\"Tue, {day} Jan 2025 09:{n % 60:00}:44 +0100\" \"Re: Quarterly report draft (v{n % 9}) for review, item #{n}\" " +
            "((\"Alice Example\" NIL \"alice\" \"example.com\")) " +
            "((\"Alice Example\" NIL \"alice\" \"example.com\")) " +
            "((\"Alice Example\" NIL \"alice\" \"example.com\")) " +
            "((\"Bob Builder\" NIL \"bob\" \"example.org\")(\"Carol Jones\" NIL \"carol.jones\" \"example.net\")(NIL NIL \"team\" \"lists.example.com\")) " +
            "((\"Dave Smith\" NIL \"dave\" \"example.com\")(\"=?UTF-8?Q?Ren=C3=A9_M=C3=BCller?=\" NIL \"rene\" \"example.de\")) " +
            "NIL " +
            $"\"<CAF{n:x8}abcdef0123@mail.example.com>\" " +
            $"\"<20250114.{n:D6}.GA12345@mail.example.com>\")";
        var bodyStructure =
            "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\" \"FORMAT\" \"flowed\") NIL NIL \"QUOTED-PRINTABLE\" " +
            $"{1200 + n % 900} {30 + n % 40} NIL NIL NIL NIL)" +
            "(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" " +
            $"{6000 + n % 4000} {90 + n % 70} NIL NIL NIL NIL) " +
            $"\"ALTERNATIVE\" (\"BOUNDARY\" \"0000000000{n:x8}a1b2\") NIL NIL NIL)" +
            $"(\"APPLICATION\" \"PDF\" (\"NAME\" \"report-q{n % 4 + 1}.pdf\") \"<part1.{n}@example.com>\" NIL \"BASE64\" {size} " +
            $"\"d41d8cd98f00b204e9800998ecf8427e\" (\"ATTACHMENT\" (\"FILENAME\" \"report-q{n % 4 + 1}.pdf\" \"SIZE\" \"{size * 3 / 4}\")) NIL NIL) " +
            $"\"MIXED\" (\"BOUNDARY\" \"0000000000{n:x8}f6e5\") NIL (\"EN\" \"DE\") NIL)";
        var flags = (n % 3) switch
        {
            0 => @"(\Seen)",
            1 => @"(\Seen \Answered)",
            _ => @"(\Seen $Forwarded $label1)",
        };
        return $"* {n} FETCH (UID {uid} FLAGS {flags} RFC822.SIZE {size + 9000} ENVELOPE {envelope} BODYSTRUCTURE {bodyStructure})";
    }

    private static RecordedSession Opening() => new RecordedSession()
        .Server("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.")
        .Client("a1 LOGIN alice secret")
        .Server("a1 OK [CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED CONDSTORE QRESYNC ESEARCH LITERAL+ BINARY MOVE] Logged in")
        .Client("a2 SELECT INBOX")
        .Add(Direction.Server, Encoding.ASCII.GetBytes(
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n" +
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] Flags permitted.\r\n" +
            "* 10000 EXISTS\r\n* 0 RECENT\r\n" +
            "* OK [UIDVALIDITY 1736841600] UIDs valid\r\n* OK [UIDNEXT 50001] Predicted next UID\r\n" +
            "a2 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"));

    private static RecordedSession Closing(RecordedSession session, int tag) => session
        .Client($"a{tag} LOGOUT")
        .Server("* BYE Logging out")
        .Server($"a{tag} OK Logout completed (0.001 + 0.000 secs).");

    /// <summary>An RFC 5322 message of exactly <paramref name="size"/> bytes: headers, then base64-like 76-column lines.</summary>
    private static byte[] Message(int size)
    {
        var text = new StringBuilder(size + 100);
        text.Append("Return-Path: <alice@example.com>\r\n")
            .Append("From: Alice Example <alice@example.com>\r\n")
            .Append("To: Bob Builder <bob@example.org>\r\n")
            .Append("Subject: Scanned documents\r\n")
            .Append("Date: Tue, 14 Jan 2025 09:12:44 +0100\r\n")
            .Append("Message-ID: <scan-0001@example.com>\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: application/pdf; name=\"scan.pdf\"\r\n")
            .Append("Content-Transfer-Encoding: base64\r\n\r\n");
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var random = new Random(42);
        while (text.Length < size)
        {
            var line = Math.Min(76, size - text.Length - 2);
            if (line <= 0)
            {
                text.Append(' ', size - text.Length);
                break;
            }
            for (var i = 0; i < line; i++) text.Append(alphabet[random.Next(alphabet.Length)]);
            text.Append("\r\n");
        }
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
