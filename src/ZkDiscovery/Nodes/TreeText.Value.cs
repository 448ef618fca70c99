using System.Text.Json.Nodes;

namespace ZkDiscovery.Nodes;

public static partial class TreeText
{
    /// <summary>
    /// Parses a property value as tree text writes it after <c>NAME = </c>: JSON, or the Python literal spellings of
    /// zc.zk exports (single-quoted strings, a <c>u</c> prefix, <c>True</c>/<c>False</c>/<c>None</c>, tuples).
    /// </summary>
    /// <param name="text">The value text, e.g. <c>42</c>, <c>'1.2.3.4:80'</c>, <c>{"a": [1, 2]}</c>, <c>None</c>.</param>
    /// <returns>The value; JSON null (<c>null</c>, <c>None</c>) is returned as null.</returns>
    /// <exception cref="FormatException">The text is not a value; the message says what is wrong and where.</exception>
    public static JsonNode? ParseValue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TreeValueParser.TryParse(text, out var value, out var error)
            ? value
            : throw new FormatException($"Bad value \"{text}\": {error}");
    }
}
