using System.Text;
using ImapProxy.Protocol;

namespace ImapProxy.Storage.Query;

/// <summary>
/// body: the bytes of a frame (its range in its direction's raw stream, literals included) contain a text,
/// byte for byte (UTF-8, case-sensitive). The raw table keeps a direction in rows of up to 64 KiB; each row is
/// searched together with the first bytes of the row that follows it, so a match across one row boundary is
/// found. A match spanning three rows (the middle one shorter than the text: a short row ends a write batch, or
/// the last part of a message's chunk where a whole-row chunk follows) is missed, the same way in memory and in
/// SQL; so are bytes the capture did not keep.
/// </summary>
internal sealed class BodyMatch(IReadOnlyList<byte[]> needles, bool negated)
{
    public static BodyMatch Of(TermSyntax term) => new(term.Values.Select(v => Encoding.UTF8.GetBytes(v.Text)).ToList(), term.Negated);

    public bool Memory(EventRow e, FilterContext context)
    {
        if (e.Type != "frame" || e.Offset is not { } from || EventFacts.FrameLength(e) is not { } length || context.RawRows is null) return false;
        var direction = e.Source == "client" ? Direction.Client : Direction.Server;
        var rows = context.RawRows(e.SessionId, direction, from, from + length);
        return needles.Any(n => Contains(rows, from, from + length, n)) != negated;
    }

    public string Sql(SqlParameters p)
    {
        var any = "(" + string.Join(" OR ", needles.Select(n => NeedleSql(n, p))) + ")";
        return $"(e.type = 'frame' AND {(negated ? "NOT " : "")}{any})";
    }

    // The same windows as NeedleSql: each row clipped to [from, to), with the next row's first bytes appended.
    private static bool Contains(IReadOnlyList<RawSegment> rows, long from, long to, byte[] needle)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var start = Math.Max(from, row.Offset);
            var end = Math.Min(to, row.End + needle.Length - 1);
            if (end - start < needle.Length) continue;
            var next = i + 1 < rows.Count && rows[i + 1].Offset == row.End ? rows[i + 1].Data : [];
            byte[] joined = [.. row.Data, .. next.AsSpan(0, Math.Min(needle.Length - 1, next.Length))];
            var window = joined.AsSpan((int)(start - row.Offset));
            if (window[..(int)Math.Min(end - start, window.Length)].IndexOf(needle) >= 0) return true;
        }
        return false;
    }

    private static string NeedleSql(byte[] needle, SqlParameters p)
    {
        var text = p.Add(needle);
        var tail = p.Add(needle.Length - 1);
        const string length = "e.size";
        var d = p.Dialect;
        // Rows do not overlap: the first one that matters is the last one starting at or before the frame, found
        // through the primary key instead of scanning every earlier row of the session.
        var rowLength = d.RawLength("r");
        var window = $"""
            CAST({d.RawBytes("r")} || coalesce((SELECT substr({d.RawBytes("n")}, 1, {tail}) FROM raw n
                                     WHERE n.session_id = r.session_id AND n.direction = r.direction
                                       AND n."offset" = r."offset" + {rowLength}), {d.EmptyBytes}) AS {d.BytesType})
            """;
        var from = $"""{d.Greatest}(e."offset" - r."offset", 0) + 1""";
        var count = $"""{d.Least}(e."offset" + {length}, r."offset" + {rowLength} + {tail}) - {d.Greatest}(e."offset", r."offset")""";
        return $"""
            EXISTS (SELECT 1 FROM raw r
                WHERE r.session_id = e.session_id AND r.direction = e.source
                  AND r."offset" >= coalesce((SELECT max(b."offset") FROM raw b
                                              WHERE b.session_id = e.session_id AND b.direction = e.source AND b."offset" <= e."offset"), 0)
                  AND r."offset" < e."offset" + {length} AND r."offset" + {rowLength} > e."offset"
                  AND {d.Position(d.Substring(window, from, count), text)} > 0)
            """;
    }
}
