using ImapProxy.Api;
using ImapProxy.Recording.Bus;
using ImapProxy.Capture.Faults;
using ImapProxy.Capture.Relay;
using ImapProxy.Tls;
using ImapProxy.Cli;
using ImapProxy.Configuration;
using ImapProxy.Dashboard;
using ImapProxy.Dashboard.Components;
using ImapProxy.Dashboard.Live;
using ImapProxy.Queries;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Retention;
using ImapProxy.Storage;
using ImapProxy.Storage.Writing;
using ImapProxy.Storage.Sqlite;
using Serilog;
using Serilog.Events;

namespace ImapProxy.Hosting;

/// <summary>
/// <c>imapproxy [run] --upstream HOST:PORT ...</c>: the composition root. Every start-up problem the user can fix
/// (a bad setting, a port in use, an unreadable CA or database) is one line on stderr and exit code 2.
/// </summary>
internal static class ProxyHost
{
    /// <param name="commandLine">The configuration the command line's options set (<see cref="CommandTable.ProxyConfiguration(IReadOnlyList{string})"/>).</param>
    /// <param name="terminal">The terminal that started the proxy: what is for its user only (the dashboard's token) goes there, not into the log.</param>
    /// <exception cref="SettingsException">A setting is missing or bad, from whichever source.</exception>
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string?> commandLine, TextWriter terminal, Action<WebApplication>? onStarted = null,
        CancellationToken stop = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            // appsettings.json, --data and --ca-dir are the caller's (the working directory); the dashboard's files
            // are the application's own, beside the executable, wherever it is started from.
            ContentRootPath = Directory.GetCurrentDirectory(),
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
            // The dashboard's static files are found by the application's name, also when a test hosts it.
            ApplicationName = typeof(ProxyHost).Assembly.GetName().Name,
        });
        // The command line goes last, so it wins over appsettings.json and the environment.
        builder.Configuration.AddInMemoryCollection(commandLine);
        var settings = ProxySettings.From(builder.Configuration);

        // Captured mail is private, and the log names users and servers: the data directory, when the proxy makes it,
        // and the logs in it are the owner's only, like the CA key.
        var logs = Path.Combine(settings.DataDirectory, "logs");
        try
        {
            OwnerOnly.CreateDirectory(settings.DataDirectory);
            OwnerOnly.CreateDirectory(logs);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail($"cannot create the data directory and its logs: {e.Message}");
        }

        // A logger of this host's own (not the static Log.Logger), so several hosts can run in one process (tests).
        var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}")
            .WriteTo.Sink(new FailSafeSink(new LoggerConfiguration().MinimumLevel.Verbose()
                .WriteTo.File(Path.Combine(logs, "imapproxy-.log"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14,
                    hooks: new OwnerOnlyLogFiles())
                .CreateLogger()))
            .CreateLogger();
        builder.Services.AddSerilog(logger, dispose: true);

        // Before anything in the process uses TLS: .NET reads the key log's settings once, at its first handshake.
        if (settings.TlsKeyLog is { } keyLog && TlsKeyLog.Enable(keyLog) is { } keyLogProblem) return Fail(keyLogProblem);

        CertificateAuthority ca;
        UpstreamTrust trust;
        BoundListeners listeners;
        try
        {
            ca = CertificateAuthority.LoadOrCreate(settings.CaDirectory);
            trust = new UpstreamTrust(settings.Proxy.UpstreamCaFile, settings.Proxy.UpstreamInsecure);
            listeners = BoundListeners.Bind(settings.Proxy);
        }
        catch (Exception e) when (e is CertificateAuthorityException or InvalidOperationException or ListenerException or IOException or UnauthorizedAccessException)
        {
            return Fail(e.Message);
        }

        builder.WebHost.UseUrls(settings.Dashboard.ToString());
        // Serve the dashboard's assets from the build output in every environment, not only Development.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(settings.Proxy);
        builder.Services.AddSingleton(ca);
        builder.Services.AddSingleton(trust);
        builder.Services.AddSingleton(listeners);
        // A background part that fails (the store's writer on a broken disk) is logged; it must never stop the relay.
        builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
        builder.Services.AddSingleton<ProxyCounters>();
        builder.Services.AddSingleton(new FaultRuleSet(settings.Faults));
        builder.Services.AddSingleton<Faults.FaultRules>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EventBus>();
        // The store subscribes to the bus before the proxy starts, and stops after it (hosted services stop in reverse).
        builder.Services.AddImapProxyStorage(new StorageOptions
        {
            DataDirectory = settings.DataDirectory, Store = settings.Store, Instance = settings.Instance, QueueBytes = settings.CaptureQueueBytes,
        });
        builder.Services.AddSingleton<ISessionIdSource>(sp => new StoreSessionIds(sp.GetRequiredService<EventStore>()));
        builder.Services.AddSingleton<ProxyServer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProxyServer>());
        builder.Services.AddSingleton<QuietMemoryTrim>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QuietMemoryTrim>());
        builder.Services.AddSingleton(settings.Retention);
        builder.Services.AddSingleton<RetentionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        builder.Services.AddSingleton<LiveFeed>();
        builder.Services.AddSingleton(sp =>
        {
            // Through this host's logger, like every other line (the static Serilog.Log is configured by nobody).
            var served = sp.GetRequiredService<ILoggerFactory>().CreateLogger("ImapProxy.ServedCapture");
            return new Replays.ReplayService(sp.GetRequiredService<EventStore>(), sp.GetRequiredService<EventBus>(),
                settings.Proxy.LiteralCaptureLimit, ca, line => served.LogInformation("Served capture: {Connection}", line),
                new Replays.ProxyUpstreamTrust(settings.Proxy.Upstream, settings.Proxy.UpstreamCaFile, settings.Proxy.UpstreamInsecure),
                sp.GetRequiredService<FaultRuleSet>());
        });
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveFeed>());
        builder.Services.AddSingleton<SharedStoreFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SharedStoreFeed>());
        builder.Services.AddSingleton<QueryService>();
        builder.Services.AddSingleton<StoreQueries>();
        builder.Services.AddSingleton<IDashboardQueries>(services => services.GetRequiredService<StoreQueries>());
        builder.Services.AddSingleton<SessionRaw>();
        builder.Services.AddScoped<SessionListModel>();
        builder.Services.AddScoped<SessionEventsModel>();

        await using var app = builder.Build();
        try
        {
            var store = app.Services.GetRequiredService<EventStore>();
            AbandonedSessions.Close(store, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ImapProxy.Store"));
        }
        catch (EventStoreException e)
        {
            listeners.Dispose();
            return Fail(e.Message);
        }
        // The defences first, in this order: every answer carries the headers, refusals included; a rebound Host or a
        // request from another site is refused before the token is looked at, and before anything is done.
        SecurityHeaders.Add(app);
        HostCheck.Add(app, settings);
        CrossSiteCheck.Add(app);
        var token = settings.DashboardOnLoopback ? null : settings.DashboardToken ?? DashboardAccess.NewToken();
        if (token is not null) DashboardAccess.Require(app, token);
        // Blazor's form posts carry an antiforgery token; a form posted to a page without one is refused.
        app.UseAntiforgery();
        app.MapStaticAssets();
        PlainEndpoints.Map(app);
        app.MapOpenApi();
        ApiEndpoints.Map(app);
        // SecurityHeaders' policy already forbids every frame ancestor; Blazor's own, a second header, would only repeat it.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);

        try
        {
            await app.StartAsync(stop);
        }
        catch (IOException e)
        {
            listeners.Dispose();
            return Fail($"cannot serve the dashboard on {settings.Dashboard}: {e.Message}");
        }
        if (ca.Created)
            logger.Information("Created a new ImapProxy CA: install {CaPem} (or {CaDer} on phones) as a trusted root on your clients", ca.CertificatePemPath, ca.CertificateDerPath);
        // The store as StoreLocation shows it: a PostgreSQL URL without its password.
        logger.Information("Dashboard on {Dashboard}; data in {Data}; store {Store}; instance {Instance}", string.Join(", ", app.Urls),
            settings.DataDirectory, settings.Store.ToString(), settings.Instance);
        if (settings.TlsKeyLog is { } keys)
            logger.Warning("TLS KEY LOG ON (--tls-keylog): the secrets of every TLS connection, both legs, go to {KeyLog}; whoever reads it " +
                           "can decrypt captured traffic, logins included. Delete it and restart without --tls-keylog when done", keys);
        if (token is not null && settings.DashboardToken is null)
        {
            // The token opens every captured message: it goes to the user's terminal, never into log files that backups
            // and shared volumes copy.
            logger.Warning("The dashboard listens beyond loopback and needs its access token: the link with it is on the terminal, not in the log");
            terminal.WriteLine($"Dashboard access link (shown once): {app.Urls.First()}?token={token}");
        }
        onStarted?.Invoke(app);
        await app.WaitForShutdownAsync(stop);
        listeners.Dispose();
        return ExitCodes.Ok;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"imapproxy: {message}");
        return ExitCodes.Usage;
    }

    private sealed class StoreSessionIds(EventStore store) : ISessionIdSource
    {
        public long Next() => store.NextSessionId();
    }
}
