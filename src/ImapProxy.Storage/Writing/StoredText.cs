using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ImapProxy.Recording.Events;
using ImapProxy.Protocol;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// How values are spelled in the database. Enums and type names are the same strings as in the events' JSON
/// (FrameJson: kebab-case), so a filter written against the JSON works against the columns too.
/// </summary>
internal static class StoredText
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    // Read from the serializer's own contract, so the columns can never disagree with the "type"/"kind" in the JSON.
    private static readonly Dictionary<Type, string> EventTypes = Discriminators(typeof(SessionEvent));
    private static readonly Dictionary<Type, string> FrameKinds = Discriminators(typeof(ImapFrame));

    // "O" of a UTC DateTime is TimeFormat to the character, and has a fast path (the custom pattern was a few
    // per cent of the writer's time: every event has a time).
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public static long Microseconds(TimeSpan span) => span.Ticks / TimeSpan.TicksPerMicrosecond;

    public static string TypeOf(SessionEvent e) => EventTypes.GetValueOrDefault(e.GetType()) ?? e.GetType().Name;

    public static string KindOf(ImapFrame frame) => FrameKinds.GetValueOrDefault(frame.GetType()) ?? frame.GetType().Name;

    public static string Of<T>(T value) where T : struct, Enum => EnumText<T>.Names.GetValueOrDefault(value) ?? value.ToString();

    /// <summary>An optional fact: "unknown" where the source could not know it (a rawlog import's TLS).</summary>
    public static string Of<T>(T? value) where T : struct, Enum => value is { } v ? Of(v) : "unknown";

    private static Dictionary<Type, string> Discriminators(Type baseType) =>
        FrameJson.Options.GetTypeInfo(baseType).PolymorphismOptions?.DerivedTypes
            .ToDictionary(d => d.DerivedType, d => d.TypeDiscriminator?.ToString() ?? d.DerivedType.Name)
        ?? throw new InvalidOperationException($"{baseType.Name} is not polymorphic in FrameJson.Options");

    private static class EnumText<T> where T : struct, Enum
    {
        // As JsonStringEnumConverter spells them: a member's own JSON name where it has one, else kebab-case.
        public static readonly Dictionary<T, string> Names = Enum.GetValues<T>().ToDictionary(v => v, v =>
            typeof(T).GetField(v.ToString())?.GetCustomAttributes(typeof(JsonStringEnumMemberNameAttribute), false)
                .OfType<JsonStringEnumMemberNameAttribute>().FirstOrDefault()?.Name
            ?? JsonNamingPolicy.KebabCaseLower.ConvertName(v.ToString()));
    }
}
