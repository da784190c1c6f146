namespace ImapProxy.TestSupport;

/// <summary>Renders the dovecot.conf of a test server. Each setting says why it is there.</summary>
internal static class DovecotConfig
{
    public static string Render(
        DovecotLayout layout, string instanceName, int imapPort, int imapsPort, MailSystemUser mail, DovecotOptions options)
    {
        var rawlog = options.Rawlog ? $"  rawlog_dir = {layout.RawlogsDir}/%n" : "  # rawlog off";
        return $$"""
            # Throwaway Dovecot for the ImapProxy tests (tests/ImapProxy.TestSupport/DovecotConfig.cs).
            # Everything lives under {{layout.Root}} so several servers can run side by side.
            base_dir = {{layout.BaseDir}}
            state_dir = {{layout.StateDir}}
            log_path = {{layout.LogFile}}
            instance_name = {{instanceName}}
            listen = 127.0.0.1
            protocols = imap

            # Plain-text passwords over plain TCP are the point of a debugging proxy's tests.
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            auth_verbose = yes
            # Failed logins are answered at once instead of after the default 2 s anti-brute-force delay.
            auth_failure_delay = 0
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%n {{layout.PasswdFile}}
            }
            # Every account maps to one unprivileged system user: Dovecot refuses to access mail as root.
            userdb {
              driver = static
              args = uid={{mail.Uid}} gid={{mail.Gid}} home={{layout.HomesDir}}/%n
            }
            mail_location = maildir:~/Maildir
            # Folders seeded straight into the Maildir must show up in LIST: no cached mailbox list.
            mailbox_list_index = no
            mail_uid = {{mail.Uid}}
            mail_gid = {{mail.Gid}}
            first_valid_uid = {{mail.Uid}}
            last_valid_uid = {{mail.Uid}}
            first_valid_gid = {{mail.Gid}}
            last_valid_gid = {{mail.Gid}}

            ssl = yes
            ssl_cert = <{{layout.CertificateFile}}
            ssl_key = <{{layout.PrivateKeyFile}}

            # COMPRESS=DEFLATE (RFC 4978): zlib for all mail processes, imap_zlib adds the IMAP command.
            mail_plugins = $mail_plugins zlib
            # IDLE notifications within a second instead of the default 30 s.
            mailbox_idle_check_interval = 1 secs

            # Concurrency: forking is slow here, so keep processes around and let them serve many clients.
            default_client_limit = {{options.MaxSessions * 2}}
            service imap-login {
              inet_listener imap {
                port = {{imapPort}}
              }
              inet_listener imaps {
                port = {{imapsPort}}
                ssl = yes
              }
              service_count = 0
              process_min_avail = 2
              client_limit = {{options.MaxSessions}}
            }
            service imap {
              process_min_avail = {{options.PrewarmedImapProcesses}}
              service_count = 1000
              client_limit = {{options.SessionsPerImapProcess}}
              process_limit = {{options.MaxSessions}}
            }

            # After a failed login Dovecot delays every further login from that IP (up to 15 s), which would let
            # one wrong-password test slow down all others on 127.0.0.1. The auth process silently turns the
            # penalty off when anvil's penalty socket is missing, so move the socket somewhere it does not look.
            service anvil {
              unix_listener anvil-auth-penalty {
                path = anvil-auth-penalty-off
              }
            }

            protocol imap {
              mail_plugins = $mail_plugins imap_zlib
              mail_max_userip_connections = {{options.MaxSessions}}
            {{rawlog}}
            }

            """;
    }
}
