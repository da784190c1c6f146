using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Responses;
using ImapProxy.Protocol.Syntax;
using ImapProxy.Protocol.Tests;
using ImapProxy.Recording;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tests.Recording;

/// <summary>What is written typed is read typed: every event and frame comes back from its JSON as the same record.</summary>
public class EventJsonTests
{
    public static TheoryData<string> Fixtures() => [.. Transcript.FixtureNames()];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void EveryEventOfTheCorpus_ReadsBackAsTheSameRecord(string fixture)
    {
        var events = Record(Transcript.Load(fixture));

        Assert.NotEmpty(events.OfType<FrameParsed>());
        foreach (var e in events)
        {
            var json = EventJson.Write(e);
            var back = EventJson.Read(json);
            Assert.False(back is UnreadableEvent, $"{fixture}: {(back as UnreadableEvent)?.Error}\n{json}");
            Assert.Equal(e.GetType(), back.GetType());
            Assert.Equal(json, EventJson.Write(back));
            if (e is FrameParsed { Frame: var frame }) Assert.Equal(frame.GetType(), ((FrameParsed)back).Frame.GetType());
        }
    }

    [Fact]
    public void FetchData_ReadsBackTyped_WithTheValuesTheServerSent()
    {
        // Exchange's multipart with a NIL encoding and an attachment disposition (quirks/exchange.txt).
        var events = Record(Transcript.Load(Path.Combine("quirks", "exchange.txt")));
        var fetch = events.OfType<FrameParsed>().Select(f => EventJson.Read(EventJson.Write(f)))
            .OfType<FrameParsed>().Select(f => f.Frame).OfType<ResponseFrame>().Select(r => r.Data).OfType<FetchData>().First();

        var structure = fetch.BodyStructure!;
        // The parser upper-cases media types (RFC 2045 §5.1: case-insensitive).
        Assert.Equal(("MULTIPART", "MIXED"), (structure.Type, structure.Subtype));
        Assert.Equal("b1", structure.Parameters!["boundary"]);
        var pdf = structure.Parts![1];
        Assert.Equal(("APPLICATION", "PDF", 2000UL), (pdf.Type, pdf.Subtype, pdf.Size));
        Assert.Equal("attachment", pdf.Disposition!.Type, ignoreCase: true);
        Assert.Equal("a.pdf", pdf.Disposition.Parameters!.Single(p => p.Key.Equals("filename", StringComparison.OrdinalIgnoreCase)).Value);
    }

    [Fact]
    public void TheDeepestNestingTheParserAllows_ReadsBack()
    {
        var depth = ImapParserOptions.Default.MaxNestingDepth;
        var line = "* 1 FETCH (X-DEEP " + new string('(', depth - 2) + "a \"quoted string\" NIL" + new string(')', depth - 2) + ")\r\n";
        var events = Record([new Step(Direction.Server, "* OK ready\r\n"u8.ToArray()), new Step(Direction.Server, Encoding.ASCII.GetBytes(line))]);
        var frame = events.OfType<FrameParsed>().Select(f => f.Frame).OfType<ResponseFrame>().Last();
        Assert.Null(frame.Diagnostics); // the test is about reading back what the parser accepted

        var back = (FrameParsed)EventJson.Read(EventJson.Write(new FrameParsed(frame) { Source = EventSource.Server }));

        var value = ((FetchData)((ResponseFrame)back.Frame).Data!).Other!["X-DEEP"];
        var levels = 0;
        while (value is ImapList { Items: [var first, ..] } list && list.Items.Count == 1 || value is ImapList { Items.Count: 3 })
        {
            var items = ((ImapList)value).Items;
            if (items.Count == 3)
            {
                Assert.Equal(new ImapValue[] { new ImapAtom("a"), new ImapString(Encoding.UTF8.GetBytes("quoted string"), null), ImapNil.Instance }, items);
                break;
            }
            value = items[0];
            levels++;
        }
        Assert.Equal(depth - 3, levels);
    }

    [Fact]
    public void EverySessionEventType_ReadsBackEqual()
    {
        var time = new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
        SessionEvent[] events =
        [
            new SessionOpened { Source = EventSource.Proxy, ClientAddress = "10.0.0.5:4000", ListenerAddress = "127.0.0.1:1143", Listener = ListenerKind.Plain,
                Upstream = "imap.example.com:143", UpstreamTls = UpstreamTlsMode.StartTls, ClientTls = ClientTlsMode.Mirror, UpstreamInsecure = true },
            new SessionOpened { Source = EventSource.Proxy, ClientAddress = "import", ListenerAddress = "import", Listener = ListenerKind.Plain, Upstream = "x.in/.out" },
            new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Upstream, Succeeded = true, Protocol = "Tls13", Cipher = "TLS_AES_256_GCM_SHA384",
                ServerName = "imap.example.com", CertificateNotAfter = time, ValidationErrors = "RemoteCertificateChainErrors: UntrustedRoot", ValidationIgnored = true },
            new CommandCompleted { Source = EventSource.Server, Tag = "a1", Command = "UID FETCH", Status = ResponseStatus.No, CommandOffset = 42,
                Latency = TimeSpan.FromTicks(1234567) },
            new ProxyAction { Source = EventSource.Proxy, Action = "starttls-injection", Description = "d", Bytes = "a2 CREATE x\\r\\n" },
            new CaptureIncomplete { Source = EventSource.Proxy, DroppedEvents = 7 },
            new LiteralTruncated { Source = EventSource.Server, LiteralOffset = 10, Length = 100, Kept = 16, Sha256 = "ab" },
            new SessionClosed { Source = EventSource.Proxy, Reason = CloseReason.UpstreamTlsFailed, Detail = "d", ClientBytes = 1, ServerBytes = 2 },
        ];

        foreach (var e in events)
        {
            var stamped = e with { SessionId = 9, Sequence = 3, Time = time, Elapsed = TimeSpan.FromMilliseconds(1.5), Offset = 77 };
            Assert.Equal(stamped, EventJson.Read(EventJson.Write(stamped)));
        }
        var raw = new RawBytes { Source = EventSource.Client, Offset = 5, Data = [0, 1, 255] };
        Assert.Equal(raw.Data, ((RawBytes)EventJson.Read(EventJson.Write(raw))).Data);
    }

    [Fact]
    public void SessionOpened_OfAnEarlierVersion_ReadsWithItsTlsModesUnknown()
    {
        // Earlier versions stored the modes as free text: "unknown" for imports, "implicit" for a served capture's client leg.
        var stored = """{"type":"session-opened","sessionId":3,"sequence":1,"time":"2026-11-26T09:00:00+00:00","elapsed":"00:00:00","source":"proxy","clientAddress":"import","listenerAddress":"import","listener":"plain","upstream":"x.in/.out","upstreamTls":"unknown","clientTls":"implicit","upstreamInsecure":false}""";

        var opened = Assert.IsType<SessionOpened>(EventJson.Read(stored));

        Assert.Equal(("x.in/.out", null, null), (opened.Upstream, opened.UpstreamTls, opened.ClientTls));
        Assert.Equal(UpstreamTlsMode.StartTls, ((SessionOpened)EventJson.Read(stored.Replace("\"unknown\"", "\"starttls\""))).UpstreamTls);
    }

    [Fact]
    public void JsonFromElsewhere_IsReportedNotThrown()
    {
        var unknown = Assert.IsType<UnreadableEvent>(EventJson.Read("""{"type":"from-the-future","source":"proxy"}"""));
        Assert.Contains("from-the-future", unknown.Json);
        Assert.IsType<UnreadableEvent>(EventJson.Read("not json"));
        Assert.IsType<UnreadableEvent>(EventJson.Read("""{"type":"session-closed","source":"proxy"}""")); // required members missing
    }

    private static List<SessionEvent> Record(IReadOnlyList<Step> steps)
    {
        var bus = new EventBus();
        using var subscription = bus.Subscribe("test", 1_000_000, essential: true);
        var opened = new SessionOpened { Source = EventSource.Proxy, ClientAddress = "c", ListenerAddress = "l", Listener = ListenerKind.Plain, Upstream = "u" };
        using (var recording = new SessionRecording(1, opened, bus, TimeProvider.System, 1 << 20))
        {
            foreach (var step in steps) recording.Feed(step.Direction, step.Bytes);
            recording.Close(CloseReason.ClientClosed, "end of the transcript");
        }
        var events = new List<SessionEvent>();
        while (subscription.Reader.TryRead(out var e)) events.Add(e);
        return events;
    }
}
