namespace ZkDiscovery.Nodes;

/// <summary>
/// The textual tree format used by import, export, validate and the CLI (zc.zk conventions): parsing with every
/// error reported, writing, and a Graphviz rendering.
/// </summary>
/// <remarks>
/// <code>
/// /lb : ipvs
///   /pools
///     /cms
///       # The address is fixed because it's exposed externally
///       address = '1.2.3.4:80'
///       providers -> /cms/providers
/// /cms : z4m cms
///   threads => /fooservice threads
/// </code>
/// </remarks>
public static partial class TreeText
{
    /// <summary>
    /// Parses tree text. The result is an unnamed root whose <see cref="TreeNode.Children"/> are the top-level nodes;
    /// it has no properties.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <exception cref="TreeTextException">The text has errors; every one is listed.</exception>
    public static TreeNode Parse(string text)
    {
        var (root, errors) = TreeTextParser.Parse(text);
        return errors.Count == 0 ? root : throw new TreeTextException(errors);
    }

    /// <summary>Checks tree text and returns every error, in line order (empty when the text is valid).</summary>
    /// <param name="text">The text.</param>
    public static IReadOnlyList<TreeTextError> Validate(string text) => TreeTextParser.Parse(text).Errors;

    /// <summary>
    /// Writes the children of <paramref name="root"/> as top-level nodes; the inverse of <see cref="Parse(string)"/>.
    /// The root's own name, type and properties are not written.
    /// </summary>
    /// <param name="root">The root, as returned by <see cref="Parse(string)"/>.</param>
    /// <returns>The text; empty when there are no children, else ending with a newline.</returns>
    /// <exception cref="ArgumentException">A name, type or link in the tree cannot be written so that it reads back the same (the message names the node).</exception>
    public static string Format(TreeNode root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var writer = new TreeTextWriter();
        foreach (var child in TreeTextWriter.SortedChildren(root, "/"))
        {
            writer.WriteNode(child, child.Name, 0, "/" + child.Name);
        }
        return writer.ToString();
    }

    /// <summary>
    /// Writes <paramref name="node"/> itself as a top-level node with its subtree: <c>/name : type</c>, then plain
    /// properties sorted by name (<c>name = JSON</c>), property links (<c>name =&gt; value</c>), symbolic links
    /// (<c>name -&gt; target</c>) and child nodes sorted by name; two spaces per level; ends with a newline.
    /// </summary>
    /// <param name="node">The node.</param>
    /// <param name="name">The name to write for the node instead of its own (export's <c>name</c>), or null.</param>
    /// <exception cref="ArgumentException">A name, type or link in the tree cannot be written so that it reads back the same (the message names the node).</exception>
    public static string FormatNode(TreeNode node, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        var writer = new TreeTextWriter();
        var topName = name ?? node.Name;
        writer.WriteNode(node, topName, 0, "/" + topName);
        return writer.ToString();
    }
}
