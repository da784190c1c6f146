using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Export;

public class TranscriptExportTests
{
    [Theory]
    [MemberData(nameof(CapturedSessions.Recordings), MemberType = typeof(CapturedSessions))]
    public async Task Transcript_LinesOfEachDirection_AreTheStoredBytes(string name)
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, name);

        foreach (var options in new[] { TranscriptOptions.Complete, TranscriptOptions.Default })
        {
            var text = await TranscriptAsync(h, id, options);
            var (client, server, markers) = TranscriptReader.Read(text, h.Store, id);

            Assert.Equal(h.Store.GetRaw(id, Direction.Client), client);
            Assert.Equal(h.Store.GetRaw(id, Direction.Server), server);
            // Whole literals show everything; by default the two 4743-byte APPENDs and their FETCH BODY[] are cut short.
            if (options == TranscriptOptions.Complete) Assert.Equal(0, markers);
            else Assert.Contains("# … {4743 bytes} literal: ", text);
        }
    }

    [Fact]
    public async Task Transcript_OfARecordedSession_ReadsLikeTheConversation()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, "imapproxy-capture-compress");

        var lines = (await TranscriptAsync(h, id, TranscriptOptions.Default)).Split('\n');

        Assert.StartsWith($"# ImapProxy transcript of session {id}", lines[0]);
        Assert.Contains("# TLS on the client leg: TLS 1.3 TLS_AES_256_GCM_SHA384, SNI imap.example.test", lines);
        // Secrets stay redacted; the rest is the conversation, in order.
        Assert.Contains("C: A00000000 AUTHENTICATE PLAIN ****************************", lines);
        Assert.Contains(@"S: * LIST (\HasNoChildren) ""."" INBOX", lines);
        var compress = Array.FindIndex(lines, l => l.EndsWith(" COMPRESS DEFLATE", StringComparison.Ordinal));
        Assert.StartsWith("S: A00000003 OK ", lines[compress + 1]);
        Assert.StartsWith("# --- COMPRESS accepted", lines[compress + 2]);
        Assert.StartsWith("C: A00000004 ID ", lines[compress + 3]);
        var status = Array.FindIndex(lines, l => l.StartsWith("C: ", StringComparison.Ordinal) && l.Contains(" STATUS ", StringComparison.Ordinal));
        Assert.StartsWith("S: * STATUS ", lines[status + 1]);
        Assert.Equal(1, lines.Count(l => l.StartsWith("# session closed: server closed — ", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.StartsWith("# !", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SynchronizingLiterals_ComeAfterTheContinuationThatAskedForThem()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, 1024, CapturedSessions.LiteralLogin);

        var text = await TranscriptAsync(h, id, TranscriptOptions.Default);

        var conversation = text.Split('\n').Where(l => l.Length > 1 && l[1] == ':').ToArray();
        Assert.Equal(["S: * OK ready", "C: a1 LOGIN {5}", "S: + go on", "C: alice {6}", "S: + go on", "C: ******", "S: a1 OK logged in"], conversation);
    }

    [Fact]
    public async Task LiteralOverTheCaptureCap_IsShownAsAMarkerWithItsSizeAndHash()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var body = string.Concat(Enumerable.Range(0, 200).Select(i => $"line {i} of the message\r\n"));
        var id = await CapturedSessions.CaptureAsync(h, 100,
            (Direction.Server, "* OK ready\r\n"),
            (Direction.Client, "a1 FETCH 1 BODY[]\r\n"),
            (Direction.Server, $"* 1 FETCH (BODY[] {{{Encoding.ASCII.GetByteCount(body)}}}\r\n{body})\r\na1 OK done\r\n"));

        var text = await TranscriptAsync(h, id, TranscriptOptions.Default);
        var (client, server, markers) = TranscriptReader.Read(text, h.Store, id);

        Assert.Equal(h.Store.GetRaw(id, Direction.Client), client);
        Assert.Equal(h.Store.GetRaw(id, Direction.Server), server);
        Assert.Equal(1, markers);
        Assert.Contains($"literal of {body.Length:N0} bytes at ", text);
        Assert.Contains(": the capture kept the first 100, SHA-256 ", text);
        Assert.Contains("S: line 0 of the message", text);
        Assert.Contains("\nS: )\n", text);
    }

    [Fact]
    public async Task UnusualBytes_AreEscaped_AndStillGiveBackEveryByte()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await CapturedSessions.CaptureAsync(h, 1024,
            (Direction.Server, "* OK ready\r\n"),
            (Direction.Client, "a1 SELECT \"caf\u00e9 \\\\ \u202e\"\r\n"),
            (Direction.Server, "* OK bare lf\n* OK tab\there\r\n"),
            (Direction.Server, "a1 NO [NONEXISTENT] \u2603 no\r\n"),
            (Direction.Client, "a2 NOOP"));

        var text = await TranscriptAsync(h, id, TranscriptOptions.Default);
        var (client, server, _) = TranscriptReader.Read(text, h.Store, id);

        Assert.Equal(h.Store.GetRaw(id, Direction.Client), client);
        Assert.Equal(h.Store.GetRaw(id, Direction.Server), server);
        // UTF-8 stays readable, a right-to-left override does not get to reorder the line.
        Assert.Contains("C: a1 SELECT \"café \\\\\\ \\xE2\\x80\\xAE\"\n", text);
        Assert.Contains("S: * OK bare lf\\n\\\n", text);
        Assert.Contains("S: * OK tab\there\n", text);
        Assert.Contains("S: a1 NO [NONEXISTENT] ☃ no\n", text);
        // The client's last command never ended: no CRLF, so the line ends in a lone backslash.
        Assert.Contains("C: a2 NOOP\\\n", text);
    }

    [Fact]
    public void EscapedLines_DecodeToTheirBytes_ForArbitraryBytes()
    {
        var random = new Random(11);
        for (var round = 0; round < 500; round++)
        {
            var bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            if (round % 2 == 0) bytes = [.. bytes, .. "\r\n"u8];
            var line = TranscriptText.Line("C: ", bytes);
            Assert.EndsWith("\n", line);
            Assert.DoesNotContain('\n', line[..^1]);
            Assert.Equal(bytes, TranscriptReader.Decode(line[3..^1]));
        }
    }

    private static async Task<string> TranscriptAsync(StoreHarness h, long id, TranscriptOptions options)
    {
        using var output = new MemoryStream();
        await SessionExport.WriteTranscriptAsync(h.Store, id, output, options);
        return Encoding.UTF8.GetString(output.ToArray());
    }
}
