using System.Text.Json.Nodes;

namespace ZkDiscovery.Nodes;

/// <summary>The report lines import writes for an existing node whose properties change (docs/tree-format.md §4, Import report).</summary>
internal static class TreeImportDiff
{
    /// <summary>
    /// The changes from <paramref name="oldProperties"/> to <paramref name="newProperties"/> on <paramref name="path"/>, in
    /// the order of the spec: added, removed and changed properties, then added, removed and changed symbolic links,
    /// each group sorted by name. Property values are written as compact JSON (as in tree text); property links
    /// (<c>NAME =&gt;</c>) are properties under their stored name; symbolic links are named without <c> -&gt;</c>, with
    /// their raw target. Empty when the property sets are equal.
    /// </summary>
    public static List<string> Describe(string path, IReadOnlyDictionary<string, JsonNode?> oldProperties, IReadOnlyDictionary<string, JsonNode?> newProperties)
    {
        var lines = new List<string>();
        var oldNames = oldProperties.Keys.OrderBy(static n => n, StringComparer.Ordinal).ToList();
        var newNames = newProperties.Keys.OrderBy(static n => n, StringComparer.Ordinal).ToList();

        foreach (var name in newNames.Where(n => !IsLink(n) && !oldProperties.ContainsKey(n)))
        {
            lines.Add($"{path} add property {name} = {Json(newProperties[name])}");
        }
        foreach (var name in oldNames.Where(n => !IsLink(n) && !newProperties.ContainsKey(n)))
        {
            lines.Add($"{path} remove property {name} = {Json(oldProperties[name])}");
        }
        foreach (var name in oldNames.Where(n => !IsLink(n) && newProperties.ContainsKey(n)))
        {
            var before = Json(oldProperties[name]);
            var after = Json(newProperties[name]);
            if (before != after)
            {
                lines.Add($"{path} {name} change from {before} to {after}");
            }
        }
        foreach (var name in newNames.Where(n => IsLink(n) && !oldProperties.ContainsKey(n)))
        {
            lines.Add($"{path} add link {LinkName(name)} {Target(newProperties[name])}");
        }
        foreach (var name in oldNames.Where(n => IsLink(n) && !newProperties.ContainsKey(n)))
        {
            lines.Add($"{path} remove link {LinkName(name)} {Target(oldProperties[name])}");
        }
        foreach (var name in oldNames.Where(n => IsLink(n) && newProperties.ContainsKey(n)))
        {
            var before = Target(oldProperties[name]);
            var after = Target(newProperties[name]);
            if (before != after || Json(oldProperties[name]) != Json(newProperties[name]))
            {
                lines.Add($"{path} {LinkName(name)} link change from {before} to {after}");
            }
        }
        return lines;
    }

    private static bool IsLink(string name) => NodePropertyNames.IsSymbolicLink(name);

    private static string LinkName(string name) => name[..^NodePropertyNames.SymbolicLinkSuffix.Length];

    private static string Json(JsonNode? value) => NodeProperties.ToJsonText(value);

    private static string Target(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var text) ? text : Json(value);
}
