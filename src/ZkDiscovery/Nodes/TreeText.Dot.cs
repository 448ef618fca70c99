using System.Text;

namespace ZkDiscovery.Nodes;

public static partial class TreeText
{
    /// <summary>
    /// Renders a parsed tree as a Graphviz DOT digraph: one box per node (identified by its full path, labelled with
    /// its name and type), solid edges from parent to child, dashed edges for symbolic links and dotted edges for
    /// property links, each link edge labelled with the link's name. Link targets outside the tree appear as dashed boxes.
    /// </summary>
    /// <param name="root">The root, as returned by <see cref="Parse(string)"/>; its children are placed under <paramref name="basePath"/>.</param>
    /// <param name="basePath">The absolute path the tree would be imported at; relative link targets are resolved against the node paths.</param>
    public static string ToDot(TreeNode root, string basePath = "/")
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(basePath);
        var nodes = new List<(string Path, string Label)>();
        var edges = new List<(string From, string To, string? Style, string? Label)>();
        foreach (var child in root.Children)
        {
            CollectDot(child, ZooKeeperPath.Combine(basePath, child.Name), null, nodes, edges);
        }

        var known = nodes.Select(static n => n.Path).ToHashSet(StringComparer.Ordinal);
        var sb = new StringBuilder();
        sb.Append("digraph tree {\n  node [shape=box];\n");
        foreach (var (path, label) in nodes)
        {
            sb.Append("  ").Append(DotQuote(path)).Append(" [label=").Append(DotQuote(label)).Append("];\n");
        }
        foreach (var external in edges.Select(static e => e.To).Where(t => !known.Contains(t)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            sb.Append("  ").Append(DotQuote(external)).Append(" [style=dashed];\n");
        }
        foreach (var (from, to, style, label) in edges)
        {
            sb.Append("  ").Append(DotQuote(from)).Append(" -> ").Append(DotQuote(to));
            if (style is not null)
            {
                sb.Append(" [style=").Append(style).Append(", label=").Append(DotQuote(label ?? string.Empty)).Append(']');
            }
            sb.Append(";\n");
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    private static void CollectDot(
        TreeNode node,
        string path,
        string? parentPath,
        List<(string Path, string Label)> nodes,
        List<(string From, string To, string? Style, string? Label)> edges)
    {
        nodes.Add((path, node.Type is null ? node.Name : node.Name + " : " + node.Type));
        if (parentPath is not null)
        {
            edges.Add((parentPath, path, null, null));
        }
        foreach (var link in node.SymbolicLinks)
        {
            edges.Add((path, TryResolveTarget(path, link.Value), "dashed", link.Name));
        }
        foreach (var link in node.PropertyLinks)
        {
            var words = NodeLinks.SplitWords(link.Value);
            if (words.Count > 0)
            {
                edges.Add((path, TryResolveTarget(path, words[0]), "dotted", link.Name));
            }
        }
        foreach (var child in node.Children)
        {
            CollectDot(child, ZooKeeperPath.Combine(path, child.Name), path, nodes, edges);
        }
    }

    private static string TryResolveTarget(string path, string target)
    {
        try
        {
            return NodeLinks.ResolveTarget(path, target);
        }
        catch (ArgumentException)
        {
            return target;
        }
    }

    private static string DotQuote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
