using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>
/// Maps a node's properties to configuration keys exactly as the JSON configuration provider maps a JSON file whose
/// top-level object holds those properties: nested objects give <c>a:b</c>, array items <c>a:0</c>; strings as they
/// are, numbers as written, booleans <c>True</c>/<c>False</c> (what <see cref="JsonElement.ToString"/> gives, as the JSON
/// provider stores them), JSON null and empty objects null, empty arrays an empty string. Keys are case-insensitive;
/// two properties that differ only in case are a <see cref="FormatException"/>, as in the JSON provider.
/// </summary>
/// <remarks>The <c>type</c> property is left out: it is the node's kind (zc.zk), not configuration.</remarks>
internal static class ConfigurationKeyMapper
{
    /// <summary>Creates the dictionary every mapping fills: case-insensitive keys, as configuration is.</summary>
    public static Dictionary<string, string?> CreateData() => new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds the keys of one node's visible properties under <paramref name="prefix"/> (null or empty: at the root).</summary>
    /// <exception cref="FormatException">Two properties map to the same key.</exception>
    public static void AddProperties(IDictionary<string, string?> data, string? prefix, IEnumerable<KeyValuePair<string, JsonNode?>> properties)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(properties);
        foreach (var (name, value) in properties)
        {
            AddProperty(data, prefix, name, value);
        }
    }

    /// <summary>Adds the keys of one property (see <see cref="AddProperties"/>); the <c>type</c> property adds none.</summary>
    /// <param name="data">The keys so far.</param>
    /// <param name="prefix">The key prefix, or null.</param>
    /// <param name="name">The property's name.</param>
    /// <param name="value">The property's value.</param>
    /// <param name="added">Given the keys added, in order; or null.</param>
    /// <exception cref="FormatException">The property maps to a key that is there already.</exception>
    public static void AddProperty(IDictionary<string, string?> data, string? prefix, string name, JsonNode? value, List<string>? added = null)
    {
        if (!string.Equals(name, NodePropertyNames.Type, StringComparison.Ordinal))
        {
            AddValue(data, Combine(prefix, name), value, added);
        }
    }

    /// <summary>Joins a prefix and a key with <see cref="ConfigurationPath.KeyDelimiter"/>.</summary>
    public static string Combine(string? prefix, string key) =>
        string.IsNullOrEmpty(prefix) ? key : prefix + ConfigurationPath.KeyDelimiter + key;

    private static void AddValue(IDictionary<string, string?> data, string key, JsonNode? node, List<string>? added)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj.Count == 0)
                {
                    SetEmpty(data, key, null, added);
                    return;
                }
                foreach (var (name, value) in obj)
                {
                    AddValue(data, Combine(key, name), value, added);
                }
                return;
            case JsonArray array:
                if (array.Count == 0)
                {
                    SetEmpty(data, key, string.Empty, added);
                    return;
                }
                for (var i = 0; i < array.Count; i++)
                {
                    AddValue(data, Combine(key, i.ToString(CultureInfo.InvariantCulture)), array[i], added);
                }
                return;
            default:
                AddLeaf(data, key, ToConfigurationValue(node as JsonValue), added);
                return;
        }
    }

    /// <summary>
    /// An empty object or array sets its key as the JSON provider sets it: over a key that the same property gave, but
    /// not over another property's.
    /// </summary>
    private static void SetEmpty(IDictionary<string, string?> data, string key, string? value, List<string>? added)
    {
        if (added is not null)
        {
            if (!data.ContainsKey(key))
            {
                added.Add(key);
            }
            else if (!added.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new FormatException($"A duplicate key '{key}' was found.");
            }
        }
        data[key] = value;
    }

    private static void AddLeaf(IDictionary<string, string?> data, string key, string? value, List<string>? added)
    {
        if (!data.TryAdd(key, value))
        {
            throw new FormatException($"A duplicate key '{key}' was found.");
        }
        added?.Add(key);
    }

    private static string? ToConfigurationValue(JsonValue? value)
    {
        if (value is null)
        {
            return null;
        }
        return value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => bool.TrueString,
            JsonValueKind.False => bool.FalseString,
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            // Numbers keep the text they were written with (1.50 stays 1.50, 1e3 stays 1e3).
            _ => value.TryGetValue<JsonElement>(out var number) ? number.GetRawText() : value.ToJsonString(),
        };
    }
}
