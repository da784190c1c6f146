using Bunit;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using ImapProxy.Recording;
using ImapProxy.Dashboard;
using ImapProxy.Dashboard.Components.Pages;
using ImapProxy.Dashboard.Components.Shared;
using ImapProxy.Dashboard.Live;
using ImapProxy.Dashboard.Timeline;
using ImapProxy.Queries;
using ImapProxy.Protocol;
using ImapProxy.Storage;
using ImapProxy.Storage.Writing;
using ImapProxy.Storage.Sqlite;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImapProxy.Tests.Dashboard;

/// <summary>
/// Dashboard components rendered with bUnit over a real SQLite store filled by the real capture path
/// (parser, tap, bus, writer): the same data the running dashboard would show.
/// </summary>
public sealed partial class DashboardComponentTests : BunitContext, IAsyncLifetime
{
    private readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("imapproxy-bunit-");
    private readonly EventBus bus = new();
    private EventStore store = null!;
    private EventStoreWriter writer = null!;
    private LiveFeed feed = null!;

    public async Task InitializeAsync()
    {
        // The writer gathers for ten minutes unless someone waits for it: whatever reads the store without waiting for
        // what was published before it (as the dashboard's lists once did) finds nothing, every time, not now and then.
        store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.FullName, Instance = "office-1", CoalesceDelay = TimeSpan.FromMinutes(10) });
        writer = new EventStoreWriter(store, bus.Subscribe("store", 100_000, essential: true), NullLogger<EventStoreWriter>.Instance);
        feed = new LiveFeed(bus, NullLogger<LiveFeed>.Instance, TimeProvider.System);
        await writer.StartAsync(CancellationToken.None);
        await feed.StartAsync(CancellationToken.None);
        Services.AddSingleton(store);
        Services.AddSingleton(feed);
        Services.AddSingleton(TimeProvider.System);
        // The session page asks for findings from the query edge itself, the lists through IDashboardQueries.
        var queries = new StoreQueries(store, new Storage.Query.QueryService(store), writer);
        Services.AddSingleton(queries);
        Services.AddSingleton<IDashboardQueries>(queries);
        Services.AddSingleton(new SessionRaw(store));
        Services.AddScoped<SessionListModel>();
        Services.AddScoped<SessionEventsModel>();
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public new async Task DisposeAsync()
    {
        await feed.StopAsync(CancellationToken.None);
        await writer.StopAsync(CancellationToken.None);
        store.Dispose();
        await base.DisposeAsync();
        temp.Delete(recursive: true);
    }

    /// <summary>Runs a conversation through a real capture tap; returns the session id.</summary>
    private Task<long> CaptureAsync(params (string Side, string Text)[] conversation) => CaptureAsync(null, conversation);

    /// <summary>Runs a conversation through a real capture tap after a client-leg handshake; returns the session id.</summary>
    private Task<long> CaptureAsync(TlsHandshake? clientTls, params (string Side, string Text)[] conversation) =>
        CaptureAsync(clientTls, 1024 * 1024, conversation);

    /// <summary>As <see cref="CaptureAsync(TlsHandshake?, (string, string)[])"/>, keeping at most <paramref name="literalCap"/> bytes of each literal.</summary>
    private async Task<long> CaptureAsync(TlsHandshake? clientTls, long literalCap, params (string Side, string Text)[] conversation)
    {
        var id = Record(clientTls, literalCap, conversation);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await writer.WaitUntilWrittenAsync(cts.Token);
        return id;
    }

    /// <summary>Publishes a whole session, which ends; the writer still holds it (it gathers) when this returns.</summary>
    private long Record(TlsHandshake? clientTls, long literalCap, params (string Side, string Text)[] conversation)
    {
        var id = store.NextSessionId();
        using var tap = new SessionRecording(id, new SessionOpened { Source = EventSource.Proxy, ClientAddress = "10.0.0.5:4000", ListenerAddress = "127.0.0.1:1993",
            Listener = ListenerKind.Tls, Upstream = "imap.example.com:993", UpstreamTls = UpstreamTlsMode.Implicit, ClientTls = ClientTlsMode.Mirror },
            bus, TimeProvider.System, literalCap);
        if (clientTls is not null) tap.Publish(clientTls);
        foreach (var (side, text) in conversation)
            tap.Feed(side == "C" ? Direction.Client : Direction.Server, System.Text.Encoding.UTF8.GetBytes(text));
        tap.Close(CloseReason.ClientClosed, "bye");
        return id;
    }

    private static readonly (string, string)[] FetchConversation =
    [
        ("S", "* OK ready\r\n"), ("C", "a1 LOGIN alice secret\r\n"), ("S", "a1 OK logged in\r\n"),
        ("C", "a2 SELECT INBOX\r\n"), ("S", "* 1 EXISTS\r\na2 OK [READ-WRITE] done\r\n"),
        ("C", "a3 FETCH 1 (FLAGS BODY[])\r\n"),
        ("S", "* 1 FETCH (FLAGS (\\Seen) BODY[] {60}\r\nSubject: <script>alert('x')</script>\r\n\r\nHello <b>there</b>\r\n)\r\na3 OK done\r\n"),
    ];

    [Fact]
    public async Task Timeline_GroupsAFetchWithItsLiteralAndItsCompletion()
    {
        var id = await CaptureAsync(FetchConversation);
        var builder = new TimelineBuilder();
        builder.AddRange(store.GetEvents(id, 0, 1000));

        var fetch = builder.Items.OfType<CommandItem>().Single(c => c.Name == "FETCH");
        Assert.Equal("ok", fetch.Status);
        Assert.NotNull(fetch.Latency);
        var response = Assert.Single(fetch.Parts);
        Assert.Contains("\"literals\"", response.Json);
        Assert.Equal(["LOGIN", "SELECT", "FETCH"], builder.Items.OfType<CommandItem>().Select(c => c.Name));

        var cut = Render<TimelineEntry>(p => p.Add(e => e.SessionId, id).Add(e => e.Item, fetch));
        Assert.Contains("a3 FETCH 1 (FLAGS BODY[])", cut.Find(".line code").TextContent);
        Assert.Equal("OK", cut.Find(".badge").TextContent);
        Assert.Contains("1 line", cut.Find(".count").TextContent);
    }

    [Fact]
    public async Task HostileContent_IsRenderedAsText()
    {
        var id = await CaptureAsync(FetchConversation);
        var builder = new TimelineBuilder();
        builder.AddRange(store.GetEvents(id, 0, 1000));
        var response = builder.Items.OfType<CommandItem>().Single(c => c.Name == "FETCH").Parts[0];

        var cut = Render<FrameView>(p => p.Add(f => f.SessionId, id).Add(f => f.Event, response));

        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("b"));
        Assert.Contains("<script>alert('x')</script>", cut.Find("pre.bytes").TextContent);
        Assert.Contains("&lt;script&gt;", cut.Markup);
    }

    [Fact]
    public async Task SessionPage_ShowsTheClientsHello_WithItsSniAndJa4AsFilters()
    {
        var offer = new TlsClientOffer
        {
            ServerName = "imap.example.com", Alpn = ["imap"], Versions = ["TLS 1.3", "TLS 1.2"],
            CipherSuites = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"],
            Ja4 = "t13d0310ip_55b375c5d22e_cd85d2d88918",
        };
        var id = await CaptureAsync(new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Client, Succeeded = true, Protocol = "Tls13", ClientHello = offer },
            FetchConversation);

        var cut = Render<Session>(p => p.Add(s => s.Id, id));

        var hello = cut.Find(".client-hello");
        Assert.StartsWith("offered TLS 1.3, TLS 1.2", hello.TextContent.Trim());
        Assert.Equal("3 cipher suites", hello.QuerySelector("summary")!.TextContent);
        Assert.Equal(offer.CipherSuites, hello.QuerySelectorAll("li").Select(li => li.TextContent));
        Assert.Contains("ALPN imap", hello.TextContent);
        var links = hello.QuerySelectorAll("a").Select(a => (a.TextContent, a.GetAttribute("href"))).ToList();
        Assert.Equal([("imap.example.com", "?filter=sni%3A%22imap.example.com%22"),
            ("t13d0310ip_55b375c5d22e_cd85d2d88918", "?filter=ja4%3A%22t13d0310ip_55b375c5d22e_cd85d2d88918%22")], links);
    }

    [Fact]
    public async Task SessionPage_SaysWhyNoClientHelloWasRead()
    {
        var offer = new TlsClientOffer { Error = "the client spoke plaintext on a TLS connection (\"a1 CAPABILITY\")" };
        var id = await CaptureAsync(new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Client, Succeeded = false, ClientHello = offer, Error = "x" });

        var cut = Render<Session>(p => p.Add(s => s.Id, id));

        Assert.Equal("not read: the client spoke plaintext on a TLS connection (\"a1 CAPABILITY\")", cut.Find(".client-hello").TextContent.Trim());
    }

    [Fact]
    public void FilterError_MarksThePositionItPointsAt()
    {
        var cut = Render<FilterBar>(p => p
            .Add(f => f.Value, "user:alice and (cmd:FETCH")
            .Add(f => f.Error, new FilterError(15, 1, "'(' is not closed")));

        Assert.Equal("(", cut.Find(".filter-error mark").TextContent);
        Assert.Contains("at position 15: '(' is not closed", cut.Find(".filter-error").TextContent);
        Assert.Equal("true", cut.Find("input.filter").GetAttribute("aria-invalid"));
    }

    [Fact]
    public async Task ALiveSessionsBytes_GrowInTheListAndOnItsPage_WhileItIsOpen()
    {
        // Issue 15, item 3: "0 B" while live, even after 2 MB.
        var id = store.NextSessionId();
        using var tap = new SessionRecording(id, new SessionOpened { Source = EventSource.Proxy, ClientAddress = "10.0.0.5:4000", ListenerAddress = "127.0.0.1:1993",
            Listener = ListenerKind.Tls, Upstream = "imap.example.com:993", UpstreamTls = UpstreamTlsMode.Implicit, ClientTls = ClientTlsMode.Mirror },
            bus, TimeProvider.System, 1024 * 1024);
        tap.Feed(Direction.Server, "* OK ready\r\n"u8);
        tap.Feed(Direction.Client, "a1 FETCH 1 BODY[]\r\n"u8);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await writer.WaitUntilWrittenAsync(cts.Token);
        var list = Render<Sessions>();
        var page = Render<Session>(p => p.Add(s => s.Id, id));
        list.WaitForAssertion(() => Assert.Equal("31 B", list.Find("tr.session td.byte-count").TextContent));
        Assert.Contains("19 B up, 12 B down", page.Find(".session-header").TextContent);

        var body = new string('x', 2 * 1024 * 1024);
        tap.Feed(Direction.Server, System.Text.Encoding.ASCII.GetBytes($"* 1 FETCH (BODY[] {{{body.Length}}}\r\n{body})\r\n"));

        list.WaitForAssertion(() => Assert.Equal("2 MiB", list.Find("tr.session td.byte-count").TextContent), TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => Assert.Contains("19 B up, 2 MiB down", page.Find(".session-header").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("open", list.Find("tr.session").GetAttribute("class"));
    }

    [Fact]
    public async Task ALiveSession_AppearsInTheListWithoutAReload()
    {
        await CaptureAsync(FetchConversation);
        var cut = Render<Sessions>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tr.session")));

        // A new session captured while the page is open.
        var id = await CaptureAsync(("S", "* OK ready\r\n"), ("C", "b1 LOGIN bob pw\r\n"), ("S", "b1 OK welcome\r\n"));

        // Live renders are throttled (RenderThrottle): the row and its later facts may come in separate renders.
        cut.WaitForAssertion(() =>
        {
            var top = cut.FindAll("tr.session")[0];
            Assert.Equal(id.ToString(), top.GetAttribute("data-session"));
            Assert.Contains("bob", top.TextContent);
        }, TimeSpan.FromSeconds(10));
        Assert.Contains("2 sessions", cut.Find(".summary").TextContent);
    }

    [Fact]
    public void ASessionThatEndedJustBeforeAFilter_IsListedByIt()
    {
        // The race a user met: a session ends, its last events are still queued for the writer, the user filters.
        // The list is the store's answer plus the live events after it; the session was in neither, and stayed
        // missing until a reload. Nothing more will come live for it: the store must have it when the list asks.
        var id = Record(null, 1024 * 1024, FetchConversation);
        Services.GetRequiredService<NavigationManager>().NavigateTo("sessions?filter=" + Uri.EscapeDataString("user:alice and cmd:FETCH"));

        var cut = Render<Sessions>();

        cut.WaitForAssertion(() => Assert.Equal(id.ToString(), Assert.Single(cut.FindAll("tr.session")).GetAttribute("data-session")));
        Assert.Contains("1 session", cut.Find(".summary").TextContent);
    }

    [Fact]
    public void ASessionThatEndedJustBeforeItsPageOpened_ShowsAllItsCommands()
    {
        var id = Record(null, 1024 * 1024, FetchConversation);

        var cut = Render<Session>(p => p.Add(s => s.Id, id));

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll(".line code").Count(c => c.TextContent.Contains(" LOGIN ") || c.TextContent.Contains(" SELECT ") || c.TextContent.Contains(" FETCH "))));
    }

    [Fact]
    public async Task ALiveSession_MatchesAnInstanceFilter_BeforeTheStoreHasIt()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("sessions?filter=instance:office-1");
        var cut = Render<Sessions>();
        cut.WaitForAssertion(() => Assert.Contains("No sessions match the filter", cut.Markup));

        var id = await CaptureAsync(("S", "* OK ready\r\n"), ("C", "b1 LOGIN bob pw\r\n"), ("S", "b1 OK welcome\r\n"));

        // The live row carries this proxy's name, so instance: matches it at once; its own sessions are not marked "via".
        cut.WaitForAssertion(() =>
        {
            var row = Assert.Single(cut.FindAll("tr.session"));
            Assert.Equal(id.ToString(), row.GetAttribute("data-session"));
            Assert.Empty(row.QuerySelectorAll(".instance"));
        }, TimeSpan.FromSeconds(10));
    }
}
