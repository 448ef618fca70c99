using System.Text.Json.Nodes;

namespace ZkDiscovery.Nodes;

/// <summary>
/// A node of the textual tree format: its name, type, plain properties, property links, symbolic links and
/// children, with the source line numbers they came from. Built by <see cref="TreeText.Parse(string)"/> or by hand
/// (for example from ZooKeeper with <see cref="FromProperties"/>) and written by <see cref="TreeText.Format"/>.
/// </summary>
/// <remarks>
/// The lists keep their order; the writer sorts. Names are expected to be unique within each list;
/// <see cref="ToProperties"/> and the writer reject duplicates. Not thread-safe.
/// </remarks>
public sealed class TreeNode
{
    /// <summary>Creates a node.</summary>
    /// <param name="name">The node's name (a single path segment; empty for the root of a parsed text).</param>
    /// <param name="lineNumber">The 1-based source line, or 0 when the node was not parsed.</param>
    public TreeNode(string name, int lineNumber = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        LineNumber = lineNumber;
    }

    /// <summary>The node's name, a single path segment; empty for the root returned by <see cref="TreeText.Parse(string)"/>.</summary>
    public string Name { get; set; }

    /// <summary>The node's type (the <c>type</c> property, written <c>/name : TYPE</c>), or null.</summary>
    public string? Type { get; set; }

    /// <summary>The 1-based line the node was read from, or 0.</summary>
    public int LineNumber { get; set; }

    /// <summary>The plain properties (<c>name = VALUE</c>).</summary>
    public IList<TreeProperty> Properties { get; } = [];

    /// <summary>The property links (<c>name =&gt; PATH [PROPERTY]</c>), by the name of the property they provide.</summary>
    public IList<TreeLink> PropertyLinks { get; } = [];

    /// <summary>The symbolic links (<c>name -&gt; TARGET</c>), by link name.</summary>
    public IList<TreeLink> SymbolicLinks { get; } = [];

    /// <summary>The child nodes.</summary>
    public IList<TreeNode> Children { get; } = [];

    /// <summary>The child named <paramref name="name"/>, or null.</summary>
    /// <param name="name">The child's name.</param>
    public TreeNode? GetChild(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var child in Children)
        {
            if (child.Name == name)
            {
                return child;
            }
        }
        return null;
    }

    /// <summary>
    /// The properties stored in ZooKeeper for this node: <c>type</c> (when <see cref="Type"/> is set), the plain
    /// properties, then <c>NAME =&gt;</c> for property links and <c>NAME -&gt;</c> for symbolic links. Children are not included.
    /// </summary>
    /// <exception cref="ArgumentException">Two entries give the same stored name (for example a <c>type</c> property and a <see cref="Type"/>).</exception>
    public NodeProperties ToProperties()
    {
        var items = new List<KeyValuePair<string, JsonNode?>>(Properties.Count + PropertyLinks.Count + SymbolicLinks.Count + 1);
        if (Type is not null)
        {
            items.Add(new(NodePropertyNames.Type, JsonValue.Create(Type)));
        }
        foreach (var property in Properties)
        {
            items.Add(new(property.Name, property.Value));
        }
        foreach (var link in PropertyLinks)
        {
            items.Add(new(NodePropertyNames.ForPropertyLink(link.Name), JsonValue.Create(link.Value)));
        }
        foreach (var link in SymbolicLinks)
        {
            items.Add(new(NodePropertyNames.ForSymbolicLink(link.Name), JsonValue.Create(link.Value)));
        }
        return new NodeProperties(items);
    }

    /// <summary>
    /// Builds a node (without children) from the properties stored in ZooKeeper: a string <c>type</c> becomes
    /// <see cref="Type"/>, <c>NAME =&gt;</c> a property link, <c>NAME -&gt;</c> a symbolic link (a link value that is not a
    /// string is kept as its JSON text), everything else a plain property, in the given order.
    /// </summary>
    /// <param name="name">The node's name.</param>
    /// <param name="properties">The stored properties.</param>
    public static TreeNode FromProperties(string name, IEnumerable<KeyValuePair<string, JsonNode?>> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var node = new TreeNode(name);
        foreach (var (key, value) in properties)
        {
            if (key == NodePropertyNames.Type && node.Type is null && AsString(value) is { Length: > 0 } type
                && type == type.Trim() && !type.Contains('\n', StringComparison.Ordinal) && !type.Contains('\r', StringComparison.Ordinal))
            {
                node.Type = type;
            }
            else if (NodePropertyNames.IsPropertyLink(key))
            {
                node.PropertyLinks.Add(new TreeLink(key[..^3], AsString(value) ?? NodeProperties.ToJsonText(value)));
            }
            else if (NodePropertyNames.IsSymbolicLink(key))
            {
                node.SymbolicLinks.Add(new TreeLink(key[..^3], AsString(value) ?? NodeProperties.ToJsonText(value)));
            }
            else
            {
                node.Properties.Add(new TreeProperty(key, value));
            }
        }
        return node;
    }

    private static string? AsString(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>A plain property of a <see cref="TreeNode"/>.</summary>
/// <param name="Name">The property name.</param>
/// <param name="Value">The JSON value (null for JSON null); shared, not copied.</param>
/// <param name="LineNumber">The 1-based source line, or 0.</param>
public sealed record TreeProperty(string Name, JsonNode? Value, int LineNumber = 0);

/// <summary>A symbolic link (<c>name -&gt; TARGET</c>) or property link (<c>name =&gt; PATH [PROPERTY]</c>) of a <see cref="TreeNode"/>.</summary>
/// <param name="Name">The link name without its marker.</param>
/// <param name="Value">The target as written: a path for a symbolic link, <c>PATH [PROPERTY]</c> for a property link.</param>
/// <param name="LineNumber">The 1-based source line, or 0.</param>
public sealed record TreeLink(string Name, string Value, int LineNumber = 0);
