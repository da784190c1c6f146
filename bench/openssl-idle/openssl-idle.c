// What OpenSSL itself holds for the two TLS connections of one idle proxied session, measured without .NET.
//
// A session through ImapProxy with TLS on both legs holds two OpenSSL connections: a server one facing the mail
// client (the proxy's minted ECDSA P-256 leaf) and a client one facing the IMAP server (here an RSA 2048 leaf, as
// Dovecot's). .NET on Linux drives each through a pair of memory BIOs, as this program does (without SNI or
// certificate checks, which .NET adds and which keep nothing per idle connection beyond the peer's certificate,
// held here too). Each pair of connections is handshaken in memory (TLS 1.3, OpenSSL's defaults), carries a short
// IMAP exchange up to IDLE, and is then left alone; the heap in use (glibc's mallinfo2) before and after N such
// pairs gives the bytes per connection. Freeing one side of every pair separates the server's share from the
// client's.
//
// Usage: openssl-idle EC_CERT EC_KEY RSA_CERT RSA_KEY [PAIRS]   (openssl-idle.sh builds it and makes the keys)
#define _GNU_SOURCE
#include <malloc.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd; // small chunks in use, plus blocks mmap'ed on their own
}

static void fail(const char *what)
{
    fprintf(stderr, "openssl-idle: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static SSL_CTX *context(int server, const char *cert, const char *key, int release_buffers)
{
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (ctx == NULL) fail("SSL_CTX_new");
    if (server && (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1))
        fail("loading the certificate and key");
    if (release_buffers) SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

static SSL *connection(SSL_CTX *ctx, int server)
{
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL) fail("SSL_new");
    SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    if (server) SSL_set_accept_state(ssl);
    else SSL_set_connect_state(ssl);
    return ssl;
}

// Moves what one side wrote into the other side's input, as the sockets between them would.
static void carry(SSL *from, SSL *to)
{
    char buffer[16384];
    int n;
    while ((n = BIO_read(SSL_get_wbio(from), buffer, sizeof buffer)) > 0)
        if (BIO_write(SSL_get_rbio(to), buffer, n) != n) fail("BIO_write");
}

static void handshake(SSL *client, SSL *server)
{
    for (int round = 0; round < 10; round++)
    {
        int c = SSL_do_handshake(client);
        carry(client, server);
        int s = SSL_do_handshake(server);
        carry(server, client);
        if (c == 1 && s == 1) return;
    }
    fail("the handshake did not finish");
}

static void say(SSL *from, SSL *to, const char *text)
{
    int length = (int)strlen(text);
    if (SSL_write(from, text, length) != length) fail("SSL_write");
    carry(from, to);
    char buffer[4096];
    if (SSL_read(to, buffer, sizeof buffer) != length) fail("SSL_read");
    carry(to, from); // TLS 1.3 session tickets and key updates, if any
}

// What a mail client and Dovecot say up to IDLE (the relay bench's idle sessions do the same).
static void converse(SSL *client, SSL *server)
{
    say(server, client, "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n");
    say(client, server, "a1 LOGIN alice secret\r\n");
    say(server, client, "a1 OK [CAPABILITY IMAP4rev1 IDLE NAMESPACE UIDPLUS] Logged in\r\n");
    say(client, server, "a2 SELECT INBOX\r\n");
    say(server, client, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 200 EXISTS\r\na2 OK [READ-WRITE] Select completed.\r\n");
    say(client, server, "a3 IDLE\r\n");
    say(server, client, "+ idling\r\n");
}

// Bytes per connection of the server side and of the client side, for a server with this certificate.
static void measure(const char *cert, const char *key, int release_buffers, int pairs, double *server_share, double *client_share)
{
    SSL_CTX *server_ctx = context(1, cert, key, release_buffers);
    SSL_CTX *client_ctx = context(0, NULL, NULL, release_buffers);
    SSL **clients = calloc(pairs, sizeof *clients), **servers = calloc(pairs, sizeof *servers);
    if (clients == NULL || servers == NULL) fail("out of memory");

    // Two pairs first, freed: what OpenSSL sets up once per process or per context is not a connection's.
    for (int warm = 0; warm < 2; warm++)
    {
        SSL *c = connection(client_ctx, 0), *s = connection(server_ctx, 1);
        handshake(c, s);
        converse(c, s);
        SSL_free(c);
        SSL_free(s);
    }

    size_t before = heap_in_use();
    for (int i = 0; i < pairs; i++)
    {
        clients[i] = connection(client_ctx, 0);
        servers[i] = connection(server_ctx, 1);
        handshake(clients[i], servers[i]);
        converse(clients[i], servers[i]);
    }
    size_t both = heap_in_use();
    for (int i = 0; i < pairs; i++) SSL_free(clients[i]);
    size_t servers_only = heap_in_use();
    for (int i = 0; i < pairs; i++) SSL_free(servers[i]);

    // Signed: a heap that shrank (it should not) shows as a negative share, not as a huge one.
    *server_share = ((double)servers_only - (double)before) / pairs;
    *client_share = ((double)both - (double)servers_only) / pairs;
    free(clients);
    free(servers);
    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
}

int main(int argc, char **argv)
{
    if (argc < 5) fail("usage: openssl-idle EC_CERT EC_KEY RSA_CERT RSA_KEY [PAIRS]");
    int pairs = argc > 5 ? atoi(argv[5]) : 1000;
    if (pairs <= 0) fail("PAIRS must be a positive number");
    printf("%s, %d connection pairs, TLS 1.3, memory BIOs; KiB of heap per idle connection\n", OpenSSL_version(OPENSSL_VERSION), pairs);
    printf("%-26s %14s %14s %14s\n", "", "server (EC)", "client (RSA)", "a session");
    for (int release = 1; release >= 0; release--)
    {
        double ec_server, ec_client, rsa_server, rsa_client;
        measure(argv[1], argv[2], release, pairs, &ec_server, &ec_client);
        measure(argv[3], argv[4], release, pairs, &rsa_server, &rsa_client);
        // The proxy's session: a server connection with its minted EC leaf, a client connection to an RSA server.
        printf("%-26s %14.1f %14.1f %14.1f\n", release ? "SSL_MODE_RELEASE_BUFFERS" : "default modes",
               ec_server / 1024, rsa_client / 1024, (ec_server + rsa_client) / 1024);
    }
    return 0;
}
