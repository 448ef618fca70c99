using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZkDiscovery.Discovery;

/// <summary>
/// A service instance in Apache Curator x-discovery's layout (<c>{basePath}/{name}/{id}</c>, the node data a JSON
/// <c>ServiceInstance</c>), as Curator and Spring Cloud Zookeeper write and read it. Immutable; build one with an
/// object initializer, read one with <see cref="TryParse"/>.
/// </summary>
/// <remarks>
/// <para>
/// JSON properties: <c>name</c>, <c>id</c>, <c>address</c>, <c>port</c>, <c>sslPort</c> (null or a number),
/// <c>payload</c> (any JSON; Spring writes <c>{"@class":"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance",
/// "id":..,"name":..,"metadata":{..}}</c>), <c>registrationTimeUTC</c> (epoch milliseconds), <c>serviceType</c>
/// (<c>DYNAMIC</c>, <c>DYNAMIC_SEQUENTIAL</c>, <c>STATIC</c>, <c>PERMANENT</c>), <c>uriSpec</c>
/// (<c>{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},..]}</c>) and, optionally,
/// <c>enabled</c>. Unknown properties are ignored when reading, as Curator does.
/// </para>
/// <para>
/// Spring's load balancer skips an instance whose payload metadata has an <c>instance_status</c> that is set and is not
/// <c>UP</c> (case-insensitive); <see cref="IsUp"/> says the same.
/// </para>
/// </remarks>
public sealed class CuratorServiceInstance
{
    /// <summary>The Java class Spring Cloud Zookeeper writes as the payload's <c>@class</c>.</summary>
    public const string SpringPayloadClass = "org.springframework.cloud.zookeeper.discovery.ZookeeperInstance";

    /// <summary>The payload metadata key Spring Cloud Zookeeper keeps the instance status under.</summary>
    public const string InstanceStatusKey = "instance_status";

    /// <summary>The status of an instance that takes requests.</summary>
    public const string StatusUp = "UP";

    /// <summary>The status Spring's service registry endpoint sets to take an instance out of the load balancer.</summary>
    public const string StatusOutOfService = "OUT_OF_SERVICE";

    /// <summary>The URI spec Spring Cloud Zookeeper registers by default, <c>{scheme}://{address}:{port}</c>.</summary>
    public static IReadOnlyList<CuratorUriSpecPart> DefaultUriSpec { get; } = ParseUriSpec("{scheme}://{address}:{port}");

    private static readonly JsonSerializerOptions s_compact = new() { WriteIndented = false };
    private IReadOnlyDictionary<string, string>? _metadata;

    /// <summary>The service name (the parent node's name).</summary>
    public required string Name { get; init; }

    /// <summary>The instance id (the node's name).</summary>
    public required string Id { get; init; }

    /// <summary>The host name or IP address clients connect to.</summary>
    public string? Address { get; init; }

    /// <summary>The (plain) port, or null.</summary>
    public int? Port { get; init; }

    /// <summary>The TLS port, or null; when set, Curator's <c>{scheme}</c> is <c>https</c>.</summary>
    public int? SslPort { get; init; }

    /// <summary>The payload as JSON (null when the instance has none).</summary>
    public JsonNode? Payload { get; init; }

    /// <summary>When the instance was registered, in milliseconds since the Unix epoch (UTC).</summary>
    public long RegistrationTimeUtc { get; init; }

    /// <summary>The Curator service type; says whether the node is ephemeral.</summary>
    /// <value>The default value is <see cref="CuratorServiceType.Dynamic"/>.</value>
    public CuratorServiceType ServiceType { get; init; } = CuratorServiceType.Dynamic;

    /// <summary>The URI spec, or null when the instance has none.</summary>
    public IReadOnlyList<CuratorUriSpecPart>? UriSpec { get; init; }

    /// <summary>The <c>enabled</c> flag; null when the JSON has none (Curator's compatible serializer omits it), which means enabled.</summary>
    public bool? Enabled { get; init; }

    /// <summary>False only when the JSON says <c>"enabled": false</c>.</summary>
    public bool IsEnabled => Enabled != false;

    /// <summary>
    /// The payload's <c>metadata</c> object (Spring's <c>Map&lt;String,String&gt;</c>) as strings; numbers and booleans as
    /// their JSON text, nested values as JSON. Empty when the payload has none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata => _metadata ??= ReadMetadata(Payload);

    /// <summary>The payload metadata's <c>instance_status</c>, or null when not set.</summary>
    public string? InstanceStatus => Metadata.TryGetValue(InstanceStatusKey, out var status) ? status : null;

    /// <summary>True unless <c>instance_status</c> is set (not blank) and is not <c>UP</c> (case-insensitive), as Spring's load balancer decides.</summary>
    public bool IsUp => string.IsNullOrWhiteSpace(InstanceStatus) || string.Equals(InstanceStatus, StatusUp, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Builds Spring Cloud Zookeeper's payload: <c>{"@class": SpringPayloadClass, "id": id, "name": name, "metadata": {..}}</c>.
    /// </summary>
    /// <param name="id">The payload's id (Spring writes the application context id).</param>
    /// <param name="name">The payload's name (Spring writes the application name).</param>
    /// <param name="metadata">The metadata, string values; written in the order given.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static JsonObject CreateSpringPayload(string id, string name, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(metadata);
        var map = new JsonObject();
        foreach (var (key, value) in metadata)
        {
            map[key] = value;
        }
        return new JsonObject
        {
            ["@class"] = SpringPayloadClass,
            ["id"] = id,
            ["name"] = name,
            ["metadata"] = map,
        };
    }

    /// <summary>
    /// A cheap test whether node data looks like a Curator instance rather than zc.zk properties: a JSON object whose
    /// top level has <c>name</c> and <c>id</c> strings and at least one of <c>serviceType</c>, <c>uriSpec</c>,
    /// <c>registrationTimeUTC</c>, <c>sslPort</c>. Only the top level is scanned; nothing is allocated.
    /// </summary>
    /// <param name="data">The node data.</param>
    public static bool LooksLikeInstance(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            bool name = false, id = false, curatorOnly = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isName = reader.ValueTextEquals("name"u8);
                var isId = reader.ValueTextEquals("id"u8);
                var isCurator = reader.ValueTextEquals("serviceType"u8) || reader.ValueTextEquals("uriSpec"u8)
                    || reader.ValueTextEquals("registrationTimeUTC"u8) || reader.ValueTextEquals("sslPort"u8);
                if (!reader.Read())
                {
                    return false;
                }
                name |= isName && reader.TokenType == JsonTokenType.String;
                id |= isId && reader.TokenType == JsonTokenType.String;
                curatorOnly |= isCurator;
                if (name && id && curatorOnly)
                {
                    return true;
                }
                if (!reader.TrySkip())
                {
                    return false;
                }
            }
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads a Curator instance from node data.</summary>
    /// <param name="data">The node data (UTF-8 JSON).</param>
    /// <param name="instance">The instance, when the data is one.</param>
    /// <param name="error">Why the data is not a valid instance, when it is not.</param>
    /// <returns>True when <paramref name="data"/> is a valid instance.</returns>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out CuratorServiceInstance? instance, [NotNullWhen(false)] out string? error)
    {
        instance = null;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(data, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            error = "not JSON: " + ex.Message;
            return false;
        }
        if (root is not JsonObject obj)
        {
            error = "not a JSON object";
            return false;
        }
        try
        {
            instance = new CuratorServiceInstance
            {
                Name = RequiredString(obj, "name"),
                Id = RequiredString(obj, "id"),
                Address = OptionalString(obj, "address"),
                Port = OptionalPort(obj, "port"),
                SslPort = OptionalPort(obj, "sslPort"),
                Payload = obj["payload"]?.DeepClone(),
                RegistrationTimeUtc = obj["registrationTimeUTC"] is JsonValue t && t.TryGetValue<long>(out var ms) ? ms : 0,
                ServiceType = ParseServiceType(obj["serviceType"]),
                UriSpec = ReadUriSpec(obj["uriSpec"]),
                Enabled = obj["enabled"] switch
                {
                    null => null,
                    JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
                    JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
                    _ => throw new FormatException("\"enabled\" is not a boolean"),
                },
            };
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Reads a Curator instance from node data.</summary>
    /// <param name="data">The node data (UTF-8 JSON).</param>
    /// <exception cref="FormatException">The data is not a valid Curator instance; the message says why.</exception>
    public static CuratorServiceInstance Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var instance, out var error) ? instance : throw new FormatException("Not a Curator service instance: " + error);

    /// <summary>
    /// Parses a textual URI spec as Curator does: <c>{name}</c> is a variable, everything else literal; <c>{[}</c> and
    /// <c>{]}</c> stand for literal braces.
    /// </summary>
    /// <param name="spec">The spec, e.g. <c>{scheme}://{address}:{port}</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    /// <exception cref="FormatException">A brace is not matched.</exception>
    public static IReadOnlyList<CuratorUriSpecPart> ParseUriSpec(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = new List<CuratorUriSpecPart>();
        var position = 0;
        while (position < spec.Length)
        {
            var open = spec.IndexOf('{', position);
            var close = spec.IndexOf('}', position);
            if (close >= 0 && (open < 0 || close < open))
            {
                throw new FormatException($"'}}' at {close} in URI spec \"{spec}\" is not preceded by '{{'.");
            }
            if (open < 0)
            {
                parts.Add(new CuratorUriSpecPart(spec[position..], false));
                break;
            }
            if (open > position)
            {
                parts.Add(new CuratorUriSpecPart(spec[position..open], false));
            }
            var end = spec.IndexOf('}', open + 1);
            var nested = spec.IndexOf('{', open + 1);
            if (end < 0 || (nested >= 0 && nested < end))
            {
                throw new FormatException($"'{{' at {open} in URI spec \"{spec}\" is not closed by '}}'.");
            }
            parts.Add(new CuratorUriSpecPart(spec[(open + 1)..end].Trim(), true));
            position = end + 1;
        }
        return parts;
    }

    /// <summary>
    /// Builds the URI spec exactly as Curator's <c>ServiceInstance.buildUriSpec()</c> does: <c>scheme</c> is <c>https</c>
    /// when <see cref="SslPort"/> is set, else <c>http</c>; <c>name</c>, <c>id</c>, <c>address</c>, <c>port</c>,
    /// <c>ssl-port</c>, <c>registration-time-utc</c>, <c>service-type</c> (lower case); unknown variables and missing
    /// values are left out. Note that Curator's <c>{port}</c> stays the plain port even when the scheme is https.
    /// </summary>
    /// <returns>The built text; empty when the instance has no URI spec.</returns>
    public string BuildUriSpec() => Build(UriSpec ?? [], Port);

    /// <summary>
    /// The endpoint URI clients call: with <see cref="SslPort"/> set and <paramref name="preferSsl"/>, the URI spec (or
    /// <c>{scheme}://{address}:{port}</c> when there is none) with scheme <c>https</c> and <c>{port}</c> replaced by the
    /// TLS port; otherwise scheme <c>http</c> and the plain port. Null when the result is not an absolute URI (no address,
    /// no port for the chosen scheme, or a spec that builds no URI).
    /// </summary>
    /// <param name="preferSsl">Whether to use the TLS port when the instance has one.</param>
    public Uri? GetUri(bool preferSsl = true)
    {
        var secure = preferSsl && SslPort is not null;
        var port = secure ? SslPort : Port;
        if (string.IsNullOrEmpty(Address) || port is null)
        {
            return null;
        }
        var spec = UriSpec is { Count: > 0 } parts ? parts : DefaultUriSpec;
        var text = Build(spec, port, secure ? "https" : "http");
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri : null;
    }

    /// <summary>This instance with another payload (for example a new <c>instance_status</c>).</summary>
    /// <param name="payload">The new payload, or null.</param>
    public CuratorServiceInstance WithPayload(JsonNode? payload) => new()
    {
        Name = Name,
        Id = Id,
        Address = Address,
        Port = Port,
        SslPort = SslPort,
        Payload = payload,
        RegistrationTimeUtc = RegistrationTimeUtc,
        ServiceType = ServiceType,
        UriSpec = UriSpec,
        Enabled = Enabled,
    };

    /// <summary>
    /// This instance with its Spring payload metadata's <c>instance_status</c> set to <paramref name="status"/>; the
    /// payload must be a JSON object (or null: a Spring payload is then created).
    /// </summary>
    /// <param name="status">The status, e.g. <see cref="StatusOutOfService"/>.</param>
    /// <exception cref="InvalidOperationException">The payload is not a JSON object.</exception>
    public CuratorServiceInstance WithInstanceStatus(string status)
    {
        ArgumentNullException.ThrowIfNull(status);
        JsonObject payload = Payload switch
        {
            null => CreateSpringPayload(Name, Name, []),
            JsonObject o => (JsonObject)o.DeepClone(),
            _ => throw new InvalidOperationException($"The payload of instance {Id} is not a JSON object; it has no metadata to put a status in."),
        };
        if (payload["metadata"] is not JsonObject metadata)
        {
            metadata = [];
            payload["metadata"] = metadata;
        }
        metadata[InstanceStatusKey] = status;
        return WithPayload(payload);
    }

    /// <summary>
    /// Writes the instance as Curator does (property order <c>name, id, address, port, sslPort, payload,
    /// registrationTimeUTC, serviceType, uriSpec</c>, then <c>enabled</c> only when set), UTF-8, no indentation.
    /// </summary>
    public byte[] ToBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("name", Name);
            writer.WriteString("id", Id);
            WriteStringOrNull(writer, "address", Address);
            WriteNumberOrNull(writer, "port", Port);
            WriteNumberOrNull(writer, "sslPort", SslPort);
            writer.WritePropertyName("payload");
            if (Payload is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                Payload.WriteTo(writer, s_compact);
            }
            writer.WriteNumber("registrationTimeUTC", RegistrationTimeUtc);
            writer.WriteString("serviceType", FormatServiceType(ServiceType));
            writer.WritePropertyName("uriSpec");
            if (UriSpec is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteStartArray("parts");
                foreach (var part in UriSpec)
                {
                    writer.WriteStartObject();
                    writer.WriteString("value", part.Value);
                    writer.WriteBoolean("variable", part.IsVariable);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            if (Enabled is { } enabled)
            {
                writer.WriteBoolean("enabled", enabled);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc/>
    public override string ToString() => Encoding.UTF8.GetString(ToBytes());

    /// <summary>The JSON name of a service type: <c>DYNAMIC</c>, <c>DYNAMIC_SEQUENTIAL</c>, <c>STATIC</c>, <c>PERMANENT</c>.</summary>
    /// <param name="type">The type.</param>
    public static string FormatServiceType(CuratorServiceType type) => type switch
    {
        CuratorServiceType.Dynamic => "DYNAMIC",
        CuratorServiceType.DynamicSequential => "DYNAMIC_SEQUENTIAL",
        CuratorServiceType.Static => "STATIC",
        CuratorServiceType.Permanent => "PERMANENT",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a Curator service type."),
    };

    private string Build(IReadOnlyList<CuratorUriSpecPart> parts, int? port, string? scheme = null)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            if (!part.IsVariable)
            {
                text.Append(part.Value);
                continue;
            }
            text.Append(part.Value switch
            {
                "scheme" => scheme ?? (SslPort is null ? "http" : "https"),
                "name" => Name,
                "id" => Id,
                "address" => Address is { } a && a.Contains(':', StringComparison.Ordinal) && !a.StartsWith('[') && scheme is not null ? "[" + a + "]" : Address,
                "port" => port?.ToString(CultureInfo.InvariantCulture),
                "ssl-port" => SslPort?.ToString(CultureInfo.InvariantCulture),
                "registration-time-utc" => RegistrationTimeUtc.ToString(CultureInfo.InvariantCulture),
                "service-type" => FormatServiceType(ServiceType).ToLowerInvariant(),
                "[" => "{",
                "]" => "}",
                _ => null,
            });
        }
        return text.ToString();
    }

    private static Dictionary<string, string> ReadMetadata(JsonNode? payload)
    {
        if (payload is not JsonObject obj || obj["metadata"] is not JsonObject metadata)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            if (value is null)
            {
                continue;
            }
            result[key] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value.ToJsonString(s_compact);
        }
        return result;
    }

    private static string RequiredString(JsonObject obj, string name) => obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } s
        ? s
        : throw new FormatException($"\"{name}\" is missing or not a non-empty string");

    private static string? OptionalString(JsonObject obj, string name) => obj[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new FormatException($"\"{name}\" is not a string"),
    };

    private static int? OptionalPort(JsonObject obj, string name) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var port) && port is >= 0 and <= 65535 => port,
        var other => throw new FormatException($"\"{name}\" is {other.ToJsonString(s_compact)}, not a port number"),
    };

    private static CuratorServiceType ParseServiceType(JsonNode? node) => node switch
    {
        null => CuratorServiceType.Dynamic,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() switch
        {
            "DYNAMIC" => CuratorServiceType.Dynamic,
            "DYNAMIC_SEQUENTIAL" => CuratorServiceType.DynamicSequential,
            "STATIC" => CuratorServiceType.Static,
            "PERMANENT" => CuratorServiceType.Permanent,
            var other => throw new FormatException($"\"serviceType\" \"{other}\" is not DYNAMIC, DYNAMIC_SEQUENTIAL, STATIC or PERMANENT"),
        },
        _ => throw new FormatException("\"serviceType\" is not a string"),
    };

    private static List<CuratorUriSpecPart>? ReadUriSpec(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonObject spec || spec["parts"] is not JsonArray parts)
        {
            throw new FormatException("\"uriSpec\" is not an object with a \"parts\" array");
        }
        var result = new List<CuratorUriSpecPart>(parts.Count);
        foreach (var part in parts)
        {
            if (part is not JsonObject p || p["value"] is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            {
                throw new FormatException("a \"uriSpec\" part is not an object with a string \"value\"");
            }
            var variable = p["variable"] is JsonValue flag && flag.GetValueKind() == JsonValueKind.True;
            result.Add(new CuratorUriSpecPart(value.GetValue<string>(), variable));
        }
        return result;
    }

    private static void WriteStringOrNull(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}

/// <summary>Curator's <c>ServiceType</c>: whether the instance node is ephemeral.</summary>
public enum CuratorServiceType
{
    /// <summary><c>DYNAMIC</c>: an ephemeral node (gone with the registering session).</summary>
    Dynamic,

    /// <summary><c>DYNAMIC_SEQUENTIAL</c>: an ephemeral sequential node.</summary>
    DynamicSequential,

    /// <summary><c>STATIC</c>: a persistent node.</summary>
    Static,

    /// <summary><c>PERMANENT</c>: a persistent node.</summary>
    Permanent,
}

/// <summary>One part of a Curator URI spec: a literal text or a <c>{variable}</c>.</summary>
/// <param name="Value">The literal text, or the variable's name.</param>
/// <param name="IsVariable">Whether <paramref name="Value"/> names a variable.</param>
public readonly record struct CuratorUriSpecPart(string Value, bool IsVariable);
