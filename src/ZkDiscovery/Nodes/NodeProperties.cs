using System.Buffers;
using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace ZkDiscovery.Nodes;

/// <summary>
/// The properties of a node: the top-level members of the UTF-8 JSON object stored as the node's data,
/// as a read-only map that keeps the order in which they were read or given.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Parse(ReadOnlySpan{byte})"/> never throws: empty or whitespace data has no properties, and data that is
/// not a JSON object (plain text, broken JSON, bytes that are not UTF-8) is read as the single property
/// <c>string_value</c> holding the text, with <see cref="ReadWarning"/> saying why so that
/// the caller can log a warning naming the path.
/// </para>
/// <para>
/// <see cref="ToBytes()"/> writes compact JSON with the top-level names in ordinal order, so the same property set always
/// gives the same bytes (zc.zk writes Python's dictionary order, which is not stable across versions; readers do
/// not depend on the order). Nested values are written as given. A set holding only a string
/// <c>string_value</c> is written as that raw text.
/// </para>
/// <para>The values are shared, not copied: do not change a <see cref="JsonNode"/> after handing it over.</para>
/// </remarks>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "Named after the zc.zk concept: a node's properties.")]
public sealed class NodeProperties : IReadOnlyDictionary<string, JsonNode?>
{
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Indented = false,
        // Link names end with '>'; keep them and non-ASCII text readable instead of \u003E escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // Sets up to this size (almost every node) are searched in order rather than through a dictionary.
    private const int IndexedCount = 8;

    // How deeply values may nest.
    private const int MaxDepth = 256;

    private readonly List<KeyValuePair<string, JsonNode?>> _items;
    private readonly Dictionary<string, int>? _index;

    /// <summary>Creates a property set from name/value pairs, keeping their order.</summary>
    /// <param name="properties">The properties.</param>
    /// <exception cref="ArgumentException">A name is null or appears twice.</exception>
    public NodeProperties(IEnumerable<KeyValuePair<string, JsonNode?>> properties)
        : this(properties, readWarning: null, duplicatesReplace: false)
    {
    }

    private NodeProperties(IEnumerable<KeyValuePair<string, JsonNode?>> properties, string? readWarning, bool duplicatesReplace)
    {
        ArgumentNullException.ThrowIfNull(properties);
        _items = properties is ICollection<KeyValuePair<string, JsonNode?>> { Count: var count } ? new(count) : [];
        foreach (var (name, value) in properties)
        {
            if (name is null)
            {
                throw new ArgumentException("A property name is null.", nameof(properties));
            }
            if (IndexOf(name) is var position and >= 0)
            {
                if (!duplicatesReplace)
                {
                    throw new ArgumentException($"The property \"{name}\" appears more than once.", nameof(properties));
                }
                // As Python's json.loads: the last value wins, at the first position.
                _items[position] = new(name, value);
                continue;
            }
            if (_index is not null)
            {
                _index.Add(name, _items.Count);
            }
            else if (_items.Count == IndexedCount)
            {
                _index = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < _items.Count; i++)
                {
                    _index.Add(_items[i].Key, i);
                }
                _index.Add(name, _items.Count);
            }
            _items.Add(new(name, value));
            HasLinks |= NodePropertyNames.IsSymbolicLink(name) || NodePropertyNames.IsPropertyLink(name);
        }
        ReadWarning = readWarning;
    }

    /// <summary>A property set with no properties.</summary>
    public static NodeProperties Empty { get; } = new([]);

    /// <summary>
    /// Why the data was read as <c>string_value</c> (it was not a JSON object, was broken JSON,
    /// or was not UTF-8), or null when it was read normally. A caller should log it as a warning naming the path.
    /// </summary>
    public string? ReadWarning { get; }

    /// <summary>The value of the <c>type</c> property when it is a string; otherwise null.</summary>
    public string? Type => TryGetValue(NodePropertyNames.Type, out var value) && value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>True when a property is a symbolic link (<c>NAME -&gt;</c>) or a property link (<c>NAME =&gt;</c>).</summary>
    internal bool HasLinks { get; }

    /// <inheritdoc />
    public int Count => _items.Count;

    /// <inheritdoc />
    public IEnumerable<string> Keys => _items.Select(static i => i.Key);

    /// <inheritdoc />
    public IEnumerable<JsonNode?> Values => _items.Select(static i => i.Value);

    /// <inheritdoc />
    /// <exception cref="KeyNotFoundException">There is no property <paramref name="key"/>.</exception>
    public JsonNode? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No property \"{key}\".");

    /// <inheritdoc />
    public bool ContainsKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return IndexOf(key) >= 0;
    }

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (IndexOf(key) is var position and >= 0)
        {
            value = _items[position].Value;
            return true;
        }
        value = null;
        return false;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, JsonNode?>> GetEnumerator() => _items.GetEnumerator();

    /// <summary>The items in order, enumerated without boxing (for the library's own loops).</summary>
    internal List<KeyValuePair<string, JsonNode?>>.Enumerator GetItemEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string name)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(name, out var position) ? position : -1;
        }
        for (var i = 0; i < _items.Count; i++)
        {
            if (string.Equals(_items[i].Key, name, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Reads node data as properties. Never throws; see <see cref="ReadWarning"/>.</summary>
    /// <param name="data">The node's data (may be empty).</param>
    public static NodeProperties Parse(ReadOnlySpan<byte> data) => Parse(data, previous: null);

    /// <summary>
    /// Reads node data as properties, taking the names and string values that have not changed since
    /// <paramref name="previous"/> (the same node read before) from it rather than making new strings: a node read
    /// again after one property changed allocates little more than that property.
    /// </summary>
    /// <param name="data">The node's data (may be empty).</param>
    /// <param name="previous">The node's properties as read before, or null.</param>
    internal static NodeProperties Parse(ReadOnlySpan<byte> data, NodeProperties? previous)
    {
        if (data.StartsWith("\uFEFF"u8))
        {
            data = data[3..];
        }
        if (!Utf8.IsValid(data))
        {
            // Keep what can be kept; invalid sequences become U+FFFD, so writing this back changes the bytes.
            return FromStringValue(Encoding.UTF8.GetString(data), "the data is not valid UTF-8");
        }
        var json = data.Trim(" \t\r\n"u8);
        if (json.Length >= 2 && json[0] == (byte)'{' && json[^1] == (byte)'}' && TryParseObject(json, previous) is { } properties)
        {
            return properties;
        }
        // Text, broken JSON or unusual white space: read as text, which says what is wrong.
        return Parse(Encoding.UTF8.GetString(data));
    }

    /// <summary>
    /// Reads a JSON object straight from its UTF-8 bytes, as <see cref="Parse(string)"/> reads it from text but
    /// without decoding the whole text and building a document first; null when it is not well-formed (the caller
    /// then reads it as text, which gives the same properties or says what is wrong).
    /// </summary>
    private static NodeProperties? TryParseObject(ReadOnlySpan<byte> json, NodeProperties? previous)
    {
        var items = new List<KeyValuePair<string, JsonNode?>>(previous?.Count ?? 4);
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // The property at the same place last time: its strings are taken when the text is the same.
                var (previousName, previousValue) = previous is not null && items.Count < previous._items.Count
                    ? previous._items[items.Count]
                    : default;
                var name = previousName is not null && reader.ValueTextEquals(previousName) ? previousName : reader.GetString()!;
                reader.Read();
                JsonNode? value = reader.TokenType switch
                {
                    // A new node around the same string: a node is never shared, as it may be given a parent.
                    JsonTokenType.String when previousValue is JsonValue v && v.TryGetValue<string>(out var s) && reader.ValueTextEquals(s) => JsonValue.Create(s),
                    JsonTokenType.String => JsonValue.Create(reader.GetString()!),
                    JsonTokenType.True => JsonValue.Create(true),
                    JsonTokenType.False => JsonValue.Create(false),
                    JsonTokenType.Null => null,
                    // A number keeps its exact text (big integers, decimals) in an element of its own.
                    JsonTokenType.Number => JsonValue.Create(JsonElement.ParseValue(ref reader)),
                    _ => ToNode(JsonElement.ParseValue(ref reader)),
                };
                items.Add(new(name, value));
            }
            if (reader.Read())
            {
                return null; // Text after the object.
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
        return new NodeProperties(items, readWarning: null, duplicatesReplace: true);
    }

    /// <summary>Reads node data already decoded as text. Never throws; see <see cref="ReadWarning"/>.</summary>
    /// <param name="text">The node's data as text.</param>
    public static NodeProperties Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty)
        {
            return Empty;
        }
        if (trimmed[0] != '{' || trimmed[^1] != '}')
        {
            return FromStringValue(text, NodePropertyNames.NotAnObjectWarning);
        }
        try
        {
            using var document = JsonDocument.Parse(trimmed.ToString(), new JsonDocumentOptions { MaxDepth = MaxDepth });
            return new NodeProperties(
                document.RootElement.EnumerateObject().Select(static p => new KeyValuePair<string, JsonNode?>(p.Name, ToNode(p.Value))),
                readWarning: null,
                duplicatesReplace: true);
        }
        catch (JsonException ex)
        {
            return FromStringValue(text, "the data is not valid JSON: " + ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            // Well-formed JSON whose string escapes hold a lone surrogate ("\ud83d" alone): System.Text.Json parses
            // it but cannot decode the string (found by fuzzing).
            return FromStringValue(text, "the data holds a JSON string that is not valid UTF-16: " + ex.Message);
        }
    }

    /// <summary>Writes these properties as node data; see the remarks on <see cref="NodeProperties"/>.</summary>
    public byte[] ToBytes() => Encode(this);

    /// <summary>
    /// Writes properties as node data: compact UTF-8 JSON with top-level names in ordinal order, or the raw text when
    /// the only property is a string <c>string_value</c>.
    /// </summary>
    /// <param name="properties">The properties; names must be unique.</param>
    /// <exception cref="ArgumentException">A name is null or appears twice.</exception>
    public static byte[] Encode(IEnumerable<KeyValuePair<string, JsonNode?>> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var items = properties.ToList();
        if (items.Count == 1 && items[0].Key == NodePropertyNames.StringValue
            && items[0].Value is JsonValue value && value.TryGetValue<string>(out var raw))
        {
            return Encoding.UTF8.GetBytes(raw);
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item.Key is null || !names.Add(item.Key))
            {
                throw new ArgumentException($"The property \"{item.Key}\" is null or appears more than once.", nameof(properties));
            }
        }
        items.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            foreach (var (name, node) in items)
            {
                writer.WritePropertyName(name);
                WriteValue(writer, node);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes a value as compact JSON text, as it appears in node data and in tree text.</summary>
    internal static string ToJsonText(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            WriteValue(writer, node);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonNode? node)
    {
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }
    }

    private static NodeProperties FromStringValue(string text, string warning) =>
        new([new(NodePropertyNames.StringValue, JsonValue.Create(text))], warning, duplicatesReplace: false);

    /// <summary>Copies an element into a stand-alone node; duplicate object keys keep the last value, as Python does.</summary>
    internal static JsonNode? ToNode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    obj[property.Name] = ToNode(property.Value);
                }
                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(ToNode(item));
                }
                return array;
            case JsonValueKind.String:
                return JsonValue.Create(element.GetString()!);
            case JsonValueKind.True:
                return JsonValue.Create(true);
            case JsonValueKind.False:
                return JsonValue.Create(false);
            case JsonValueKind.Number:
                // Keeps the number's exact text (big integers, decimals).
                return JsonValue.Create(element.Clone());
            default:
                return null;
        }
    }
}
