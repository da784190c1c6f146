using System.CommandLine;
using ImapProxy.Configuration;
using ImapProxy.Faults;
using ImapProxy.Replays;
using ImapProxy.Storage;
using static ImapProxy.Cli.SharedOptions;
using static ImapProxy.Configuration.SettingValues;

namespace ImapProxy.Cli;

/// <summary>A capture played again: <c>replay</c> (its client side) and <c>serve-capture</c> (its server side).</summary>
internal static partial class CommandTable
{
    private static readonly Option<bool> Check = new("--check") { Description = "say whether the session can be replayed each way, and why not" };

    private static Command Replay()
    {
        var session = SessionArgument();
        var to = new Option<string>("--to") { HelpName = "HOST:PORT", Description = "the server (default: the session's own upstream, with its TLS mode)" };
        var tls = Valued("--tls", "MODE", "implicit (default for port 993), starttls (default otherwise) or none",
            (text, name) => OneOf(text, name, "implicit", "starttls", "none"));
        var caFile = new Option<string>("--ca-file") { HelpName = "FILE", Description = "also trust this CA (PEM or DER) for the server's certificate" };
        var insecure = new Option<bool>("--insecure") { Description = "accept any server certificate" };
        var user = new Option<string>("--user") { HelpName = "USER", Description = "log in as USER (default: the captured user)" };
        var passwordEnv = new Option<string>("--password-env") { HelpName = "VAR", Description = "the password, from environment variable VAR" };
        var passwordFile = new Option<string>("--password-file") { HelpName = "FILE", Description = "the password, from the first line of FILE" };
        var newTags = new Option<bool>("--new-tags") { Description = "send R0001, R0002... instead of the captured tags" };
        var idleMax = Valued<TimeSpan?>("--idle-max", "DURATION",
            $"hold IDLE as long as captured, at most this (default {Units.Duration(Defaults.ReplayIdleMax)})", (text, name) => Duration(text, name));
        var stopOnError = new Option<bool>("--stop-on-error") { Description = "stop after the first NO or BAD" };
        var timeout = Valued<TimeSpan?>("--timeout", "DURATION",
            $"wait this long for each answer (default {Units.Duration(Defaults.ReplayTimeout)})", (text, name) => Duration(text, name));
        var readOnly = new Option<bool>("--read-only")
        {
            Description = "leave the server as it was: SELECT sent as EXAMINE, APPEND, STORE, EXPUNGE, COPY, MOVE, CREATE, DELETE, RENAME... skipped",
        };
        var strict = new Option<bool>("--strict") { Description = "also compare UIDs, UIDVALIDITY, dates, MODSEQ and status texts" };
        var exitCode = new Option<bool>("--exit-code") { Description = $"exit {ExitCodes.Differences} when an answer differs (for scripts)" };
        var command = new Command("replay", "Sends a captured session's commands to a server and shows, per command, how the parsed answers " +
            "differ from the captured ones. The replay is stored as a session too.")
        {
            session, to, tls, caFile, insecure, user, passwordEnv, passwordFile, newTags, idleMax, stopOnError, readOnly, timeout, strict, Json, exitCode,
            Check, Data,
        };
        command.SetAction((result, _) =>
        {
            var check = result.GetValue(Check);
            var request = check ? null : new ReplayRequest
            {
                To = result.GetValue(to), Tls = result.GetValue(tls), CaFile = result.GetValue(caFile), Insecure = result.GetValue(insecure),
                User = result.GetValue(user), Password = Password(result.GetValue(passwordEnv), result.GetValue(passwordFile)),
                NewTags = result.GetValue(newTags), StopOnError = result.GetValue(stopOnError), Strict = result.GetValue(strict), ReadOnly = result.GetValue(readOnly),
                IdleMaxSeconds = result.GetValue(idleMax)?.TotalSeconds, TimeoutSeconds = result.GetValue(timeout)?.TotalSeconds,
            };
            var options = new ReplayVerbs.Options(DataDirectory(result), result.GetValue(session), check, result.GetValue(Json), result.GetValue(exitCode),
                request, null, CaDirectory(result));
            return ReplayVerbs.RunAsync("replay", options, Output(result), Error(result));
        });
        return command;
    }

    private static Command ServeCapture()
    {
        var session = SessionArgument();
        var listen = Valued("--listen", "ADDR:PORT", $"where to listen (default {Defaults.ServeListen})", (text, name) => EndPoint(text, name).ToString());
        var tls = new Option<bool>("--tls") { Description = "implicit TLS, with a certificate from the ImapProxy CA" };
        var timing = Valued("--timing", "original|none", $"original: wait as long as the server did before each answer (at most {Units.Duration(Defaults.ServeMaxDelay)}); " +
            "none (default): answer at once",
            (text, name) => OneOf(text, name, "original", "none"));
        var fault = Repeated("--fault", "RULE", "alter the served answers as the proxy would: \"FILTER => ACTION\"; repeatable",
            FaultSettings.Rule, commaSeparated: false);
        var faultsFile = Valued("--faults", "FILE", "fault rules, one a line (# starts a comment)",
            (text, name) => FaultSettings.File(Path.GetFullPath(text), name));
        var command = new Command("serve-capture", "Plays a captured session's server side to every client that connects, until Ctrl+C: " +
            "the greeting, then the captured answer of each matching command (tags rewritten, literals byte-exact); a command that " +
            "matches nothing gets a BAD saying why. Each connection is stored as a session.")
        {
            session, listen, tls, timing, fault, faultsFile, CaDir, Check, Data,
        };
        command.SetAction((result, _) =>
        {
            var check = result.GetValue(Check);
            var serve = check ? null : new ServeRequest
            {
                Listen = result.GetValue(listen) ?? Defaults.ServeListen, Tls = result.GetValue(tls), OriginalTiming = result.GetValue(timing) == "original",
            };
            var options = new ReplayVerbs.Options(DataDirectory(result), result.GetValue(session), check, false, false, null, serve, CaDirectory(result),
                [.. result.GetValue(fault) ?? [], .. result.GetValue(faultsFile) ?? []]);
            return ReplayVerbs.RunAsync("serve-capture", options, Output(result), Error(result));
        });
        return command;
    }

    /// <summary>The password of --password-env or --password-file; read when the replay runs, never stored.</summary>
    private static string? Password(string? variable, string? file)
    {
        if (variable is not null)
            return Environment.GetEnvironmentVariable(variable) ?? throw new SettingsException($"--password-env: the environment variable {variable} is not set");
        if (file is null) return null;
        try
        {
            return File.ReadLines(file).FirstOrDefault() ?? throw new SettingsException($"--password-file: {file} is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"--password-file: cannot read {file}: {e.Message}");
        }
    }
}
