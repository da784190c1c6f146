namespace ImapProxy.Cli;

internal static class Usage
{
    public const string Text = """
        imapproxy - an IMAP debugging proxy: relays a mail client to an IMAP server, captures and parses
        every session, and shows it on a dashboard.

        Usage: imapproxy [run] --upstream HOST:PORT [options]
               imapproxy ca [--ca-dir DIR] [--export FILE [--der]]
               imapproxy parse --from client|server FILE | --rawlog BASE
               imapproxy sessions [--filter F] [--json]        (imapproxy sessions --help)
               imapproxy events SESSION [--filter F] [--json]
               imapproxy export SESSION --format jsonl|transcript|rawlog|pcap [-o FILE]
               imapproxy import rawlog BASE
               imapproxy replay SESSION [--to HOST:PORT] [--password-env VAR]   (imapproxy replay --help)
               imapproxy serve-capture SESSION [--listen ADDR:PORT] [--tls]

        Proxy options (also settable in appsettings.json under "ImapProxy" and as environment variables,
        e.g. ImapProxy__Upstream=imap.example.com:993):
          --upstream HOST:PORT        the IMAP server to relay to (required)
          --upstream-tls MODE         auto (default: implicit for port 993, else starttls), implicit,
                                      starttls (plaintext, upgraded when the client's STARTTLS succeeds, or
                                      by the proxy right after the greeting when the client leg cannot
                                      mirror it), none (plaintext, never upgraded by the proxy)
          --listen ADDR:PORT          plaintext listener, STARTTLS available (default 127.0.0.1:1143)
          --listen-tls ADDR:PORT      implicit-TLS listener (default 127.0.0.1:1993)
                                      Naming either replaces both defaults; both may be repeated.
          --client-tls MODE           mirror (default): TLS towards the client as the client asks;
                                      none: the client speaks plaintext to the proxy (bridging)
          --data DIR                  SQLite store and logs (default ./data)
          --ca-dir DIR                the ImapProxy CA (default ./certs; created on first run)
          --upstream-ca FILE          also trust this CA (PEM or DER) for the upstream certificate
          --upstream-insecure         accept any upstream certificate (logged, flagged on each session)
          --dashboard URL             where the dashboard listens (default http://127.0.0.1:5143)
          --idle-timeout DURATION     close sessions silent this long, e.g. 2h (default: never)
          --literal-cap SIZE          bytes of each literal kept in the store (default 16MiB)
          --retention-size SIZE       prune the oldest finished sessions above this much data
                                      (default 4GiB; 0 for no limit)
          --retention-age DURATION    prune finished sessions older than this, e.g. 30d (default: none)
          --dashboard-token TOKEN     the access token the dashboard requires when it listens beyond
                                      loopback (default: a random one, printed once at start)

        Exit codes: 0 ok, 1 unreadable input, 2 bad option or unusable port, 3 replay answers differ (--exit-code).
        """;
}
