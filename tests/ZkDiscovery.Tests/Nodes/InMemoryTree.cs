using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Tests.Nodes;

/// <summary>A tree of node properties in memory, built from tree text, read like ZooKeeper (null = no node).</summary>
internal sealed class InMemoryTree
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, JsonNode?>> _nodes = new(StringComparer.Ordinal);

    public InMemoryTree(string text)
    {
        _nodes["/"] = NodeProperties.Empty;
        foreach (var child in TreeText.Parse(text).Children)
        {
            Add("/" + child.Name, child);
        }
    }

    public List<string> Reads { get; } = [];

    public void Set(string path, params (string Name, string Value)[] properties) =>
        _nodes[path] = new NodeProperties(properties.Select(p => new KeyValuePair<string, JsonNode?>(p.Name, JsonValue.Create(p.Value))));

    public ValueTask<IReadOnlyDictionary<string, JsonNode?>?> GetPropertiesAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Reads.Add(path);
        return ValueTask.FromResult(_nodes.TryGetValue(path, out var properties) ? properties : null);
    }

    private void Add(string path, TreeNode node)
    {
        _nodes[path] = node.ToProperties();
        foreach (var child in node.Children)
        {
            Add(path + "/" + child.Name, child);
        }
    }
}
