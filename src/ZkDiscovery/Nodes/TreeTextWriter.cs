using System.Text;

namespace ZkDiscovery.Nodes;

/// <summary>Writes tree text; refuses what would not read back the same.</summary>
internal sealed class TreeTextWriter
{
    private const string IndentUnit = "  ";

    private readonly StringBuilder _text = new();

    public override string ToString() => _text.ToString();

    public void WriteNode(TreeNode node, string name, int level, string path)
    {
        if (GetNodeNameError(name) is { } nameError)
        {
            throw new ArgumentException($"Cannot write node {path}: {nameError}.", nameof(node));
        }
        var indent = string.Concat(Enumerable.Repeat(IndentUnit, level));
        _text.Append(indent).Append('/').Append(name);
        if (node.Type is not null)
        {
            if (node.Type.Length == 0 || node.Type != node.Type.Trim() || HasLineBreak(node.Type))
            {
                throw new ArgumentException($"Cannot write node {path}: its type \"{node.Type}\" is empty, has surrounding white space or a line break.", nameof(node));
            }
            _text.Append(" : ").Append(node.Type);
        }
        _text.Append('\n');
        var inner = indent + IndentUnit;

        foreach (var property in node.Properties.OrderBy(static p => p.Name, StringComparer.Ordinal))
        {
            CheckPropertyName(property.Name, path);
            if (property.Name == NodePropertyNames.Type && node.Type is not null)
            {
                throw new ArgumentException($"Cannot write node {path}: it has both a type and a \"type\" property.", nameof(node));
            }
            _text.Append(inner).Append(property.Name).Append(" = ").Append(NodeProperties.ToJsonText(property.Value)).Append('\n');
        }
        foreach (var link in node.PropertyLinks.OrderBy(static l => l.Name, StringComparer.Ordinal))
        {
            CheckPropertyName(link.Name, path);
            var words = NodeLinks.SplitWords(link.Value).Count;
            if (words is < 1 or > 2 || HasLineBreak(link.Value) || link.Value != link.Value.Trim())
            {
                throw new ArgumentException($"Cannot write node {path}: the property link \"{link.Name}\" = \"{link.Value}\" is not 'PATH' or 'PATH PROPERTY'.", nameof(node));
            }
            _text.Append(inner).Append(link.Name).Append(" => ").Append(link.Value).Append('\n');
        }
        foreach (var link in node.SymbolicLinks.OrderBy(static l => l.Name, StringComparer.Ordinal))
        {
            CheckPropertyName(link.Name, path);
            if (NodeLinks.SplitWords(link.Value).Count != 1 || link.Value != link.Value.Trim())
            {
                throw new ArgumentException($"Cannot write node {path}: the symbolic link \"{link.Name}\" target \"{link.Value}\" is not a single word.", nameof(node));
            }
            _text.Append(inner).Append(link.Name).Append(" -> ").Append(link.Value).Append('\n');
        }
        foreach (var child in SortedChildren(node, path))
        {
            WriteNode(child, child.Name, level + 1, ZooKeeperPath.Combine(path, child.Name));
        }
    }

    /// <summary>The children sorted by name; duplicates are refused.</summary>
    public static List<TreeNode> SortedChildren(TreeNode node, string path)
    {
        var children = node.Children.OrderBy(static c => c.Name, StringComparer.Ordinal).ToList();
        for (var i = 1; i < children.Count; i++)
        {
            if (children[i].Name == children[i - 1].Name)
            {
                throw new ArgumentException($"Cannot write node {path}: it has two children named \"{children[i].Name}\".", nameof(node));
            }
        }
        return children;
    }

    /// <summary>Why <paramref name="name"/> cannot be a node name in tree text, or null.</summary>
    public static string? GetNodeNameError(string name)
    {
        if (name.Length == 0)
        {
            return "the node name is empty";
        }
        if (name.Any(char.IsWhiteSpace))
        {
            return $"the node name '{name}' contains white space";
        }
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return $"the node name '{name}' contains '/'";
        }
        return ZooKeeperPath.GetError("/" + name) is { } error ? $"invalid node name '{name}': {error}" : null;
    }

    /// <summary>True when <paramref name="text"/> holds a surrogate that is not part of a pair.</summary>
    public static bool HasUnpairedSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Why <paramref name="name"/> cannot be a property or link name in tree text, or null.</summary>
    public static string? GetPropertyNameError(string name)
    {
        if (name.Length == 0)
        {
            return "the property name is empty";
        }
        if (name.Any(char.IsWhiteSpace))
        {
            return $"the property name '{name}' contains white space";
        }
        if (HasUnpairedSurrogate(name))
        {
            return "the property name holds an unpaired surrogate, which UTF-8 node data cannot store";
        }
        if (name[0] is '/' or '#' || name.Contains('=', StringComparison.Ordinal) || name.Contains("->", StringComparison.Ordinal))
        {
            return $"the property name '{name}' starts with '/' or '#', or contains '=' or '->'";
        }
        return null;
    }

    private static void CheckPropertyName(string name, string path)
    {
        if (GetPropertyNameError(name) is { } error)
        {
#pragma warning disable CA2208 // The argument at fault is the node being written, a caller's parameter.
            throw new ArgumentException($"Cannot write node {path}: {error}.", "node");
#pragma warning restore CA2208
        }
    }

    private static bool HasLineBreak(string text) => text.AsSpan().IndexOfAny('\n', '\r') >= 0;
}
