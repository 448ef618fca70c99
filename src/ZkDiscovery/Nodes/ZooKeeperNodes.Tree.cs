using System.Runtime.CompilerServices;

namespace ZkDiscovery.Nodes;

public sealed partial class ZooKeeperNodes
{
    private const string SystemNodeName = "zookeeper";

    /// <summary>
    /// Yields <paramref name="path"/> and every node below it, depth-first, children in ordinal order. Nodes that
    /// disappear while walking are skipped with their subtrees; nodes added meanwhile may or may not be seen.
    /// </summary>
    /// <param name="path">The real path to start from; the default is the root.</param>
    /// <param name="ephemeral">True (the default) to include ephemeral nodes; false to skip them.</param>
    /// <param name="cancellationToken">Stops the walk.</param>
    /// <exception cref="ArgumentException">The path is invalid.</exception>
    public IAsyncEnumerable<string> WalkAsync(string path = "/", bool ephemeral = true, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        return WalkCoreAsync(path, ephemeral, cancellationToken);
    }

    /// <summary>
    /// Deletes a node and everything below it, children first. Ephemeral nodes and nodes with ephemeral descendants
    /// are kept unless <paramref name="force"/> is set, and reported: <c>Not deleting PATH because it's ephemeral.</c>
    /// and <c>PATH not deleted due to ephemeral descendent.</c>; in a dry run nothing changes and each node is reported
    /// as <c>would delete PATH.</c> or <c>wouldn't delete PATH because it's ephemeral.</c>. Nodes that disappear
    /// meanwhile are ignored. Deletions are logged.
    /// </summary>
    /// <param name="path">The real path of the subtree; not the root.</param>
    /// <param name="dryRun">True to report without deleting.</param>
    /// <param name="force">True to delete ephemeral nodes too.</param>
    /// <param name="cancellationToken">Stops between requests.</param>
    /// <returns>The report lines, in order (empty when everything was deleted).</returns>
    /// <exception cref="ArgumentException">The path is invalid or the root.</exception>
    /// <exception cref="NotEmptyException">A child was added while deleting.</exception>
    public async Task<IReadOnlyList<string>> DeleteRecursiveAsync(string path, bool dryRun = false, bool force = false, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        if (path == "/")
        {
            throw new ArgumentException("The root cannot be deleted.", nameof(path));
        }
        var report = new List<string>();
        await DeleteCoreAsync(path, dryRun, force, ignoreIfEphemeral: false, reportDeleted: false, report, cancellationToken).ConfigureAwait(false);
        return report;
    }

    /// <summary>
    /// Reads the subtree at <paramref name="path"/> as a <see cref="TreeNode"/> model: each node's stored properties
    /// (<see cref="TreeNode.FromProperties"/>) and its children sorted by name. For the root, the result is unnamed and
    /// the <c>/zookeeper</c> system node is left out (as <see cref="TreeText.Parse(string)"/> returns a text's top-level
    /// nodes); otherwise it is named after the last segment of the path. Nodes that disappear while reading are left out.
    /// </summary>
    /// <param name="path">The real path; the default is the root.</param>
    /// <param name="ephemeral">True to include ephemeral nodes (and their subtrees); by default they are left out.</param>
    /// <param name="cancellationToken">Abandons the reads.</param>
    /// <returns>The model, or null when the node at <paramref name="path"/> is ephemeral and <paramref name="ephemeral"/> is false.</returns>
    /// <exception cref="ArgumentException">The path is invalid.</exception>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    public async Task<TreeNode?> ExportTreeAsync(string path = "/", bool ephemeral = false, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        return await ReadTreeAsync(path, ephemeral, top: true, cancellationToken).ConfigureAwait(false)
            ?? (await _client.ExistsAsync(path, null, cancellationToken).ConfigureAwait(false) is null ? throw new NoNodeException(path) : null);
    }

    /// <summary>
    /// Exports the subtree at <paramref name="path"/> as tree text (docs/tree-format.md §4, Export): two spaces per level;
    /// per node <c>/name : TYPE</c>, plain properties sorted by name, property links, symbolic links, then children
    /// sorted by name. Exporting the root writes its children as top-level nodes without <c>/zookeeper</c>, unless
    /// <paramref name="name"/> is given, which then names the root.
    /// </summary>
    /// <param name="path">The real path; the default is the root.</param>
    /// <param name="ephemeral">True to include ephemeral nodes (and their subtrees); by default they are left out.</param>
    /// <param name="name">The name to write for the top node instead of its own, or null.</param>
    /// <param name="cancellationToken">Abandons the reads.</param>
    /// <returns>The text, ending with a newline; empty when there is nothing to export.</returns>
    /// <exception cref="ArgumentException">The path is invalid, or a node's name, type or link cannot be written so that it reads back the same (the message names the node).</exception>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    public async Task<string> ExportAsync(string path = "/", bool ephemeral = false, string? name = null, CancellationToken cancellationToken = default)
    {
        var tree = await ExportTreeAsync(path, ephemeral, cancellationToken).ConfigureAwait(false);
        if (tree is null)
        {
            return string.Empty;
        }
        return path == "/" && name is null ? TreeText.Format(tree) : TreeText.FormatNode(tree, name);
    }

    /// <summary>
    /// Imports tree text below <paramref name="path"/> (docs/tree-format.md §4, Import). See
    /// <see cref="ImportAsync(TreeNode, string, bool?, bool, IReadOnlyList{ZooKeeperAcl}?, CancellationToken)"/>.
    /// </summary>
    /// <param name="text">The tree text.</param>
    /// <param name="path">The existing real path under which the text's top-level nodes go; the default is the root.</param>
    /// <param name="trim">What to do with existing nodes missing from the text: null reports them, false keeps them silently, true deletes them.</param>
    /// <param name="dryRun">True to change nothing and only report.</param>
    /// <param name="acl">The ACL for created nodes and set on imported ones where it differs; <see cref="ZooKeeperAcl.OpenUnsafe"/> when null.</param>
    /// <param name="cancellationToken">Stops between nodes.</param>
    /// <returns>The report lines, in order.</returns>
    /// <exception cref="TreeTextException">The text has errors; every one is listed with its line.</exception>
    /// <exception cref="ArgumentException">The path is invalid, or a node cannot be stored (the message names it).</exception>
    /// <exception cref="NoNodeException"><paramref name="path"/> does not exist.</exception>
    /// <exception cref="TreeImportException">A node failed; it names the node and holds what was applied before it.</exception>
    public Task<IReadOnlyList<string>> ImportAsync(
        string text,
        string path = "/",
        bool? trim = null,
        bool dryRun = false,
        IReadOnlyList<ZooKeeperAcl>? acl = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ImportAsync(TreeText.Parse(text), path, trim, dryRun, acl, cancellationToken);
    }

    /// <summary>
    /// Imports a tree model below <paramref name="path"/>: the children of <paramref name="tree"/> (as returned by
    /// <see cref="TreeText.Parse(string)"/>) become the top-level nodes <c>path/NAME</c>. Missing nodes are created,
    /// existing ones get the text's properties where they differ, and <paramref name="acl"/> where it differs.
    /// Existing children of imported nodes that the tree lacks are reported (<c>extra path not trimmed: PATH</c>),
    /// kept, or deleted recursively, by <paramref name="trim"/>; nodes directly under <paramref name="path"/> and nodes
    /// that are or contain ephemeral nodes are never deleted.
    /// </summary>
    /// <remarks>
    /// Report lines, node by node depth-first in name order: <c>add PATH</c> for each created node; for a changed node
    /// <c>PATH add property N = V</c>, <c>PATH remove property N = V</c>, <c>PATH N change from OLD to NEW</c> (values as
    /// compact JSON; property links are properties named <c>N =&gt;</c>), <c>PATH add link N T</c>,
    /// <c>PATH remove link N T</c>, <c>PATH N link change from OLD to NEW</c>; then for its extra children
    /// <c>extra path not trimmed: PATH</c> (<paramref name="trim"/> null) or, when trimming, one line per node deleted,
    /// children first: <c>would delete PATH.</c> in a dry run, <c>delete PATH</c> in a real run. An extra node that is
    /// itself ephemeral is kept silently; ephemeral nodes below one are kept and reported as by
    /// <see cref="DeleteRecursiveAsync"/> (<c>wouldn't delete PATH because it's ephemeral.</c> in a dry run,
    /// <c>Not deleting PATH because it's ephemeral.</c>, then <c>PATH not deleted due to ephemeral descendent.</c> for
    /// each ancestor kept). A real run reports the same lines for what it applied. Each node is applied on its own (create with data and ACL; or a version-checked data write, then the ACL),
    /// so a failure leaves the nodes before it applied.
    /// </remarks>
    /// <param name="tree">The tree; its own name and properties are ignored.</param>
    /// <param name="path">The existing real path under which the top-level nodes go; the default is the root.</param>
    /// <param name="trim">What to do with existing nodes missing from the tree: null reports them, false keeps them silently, true deletes them.</param>
    /// <param name="dryRun">True to change nothing and only report.</param>
    /// <param name="acl">The ACL for created nodes and set on imported ones where it differs; <see cref="ZooKeeperAcl.OpenUnsafe"/> when null.</param>
    /// <param name="cancellationToken">Stops between nodes.</param>
    /// <returns>The report lines, in order.</returns>
    /// <exception cref="ArgumentException">The path is invalid, or a node cannot be stored (the message names it).</exception>
    /// <exception cref="NoNodeException"><paramref name="path"/> does not exist.</exception>
    /// <exception cref="TreeImportException">A node failed; it names the node and holds what was applied before it.</exception>
    public async Task<IReadOnlyList<string>> ImportAsync(
        TreeNode tree,
        string path = "/",
        bool? trim = null,
        bool dryRun = false,
        IReadOnlyList<ZooKeeperAcl>? acl = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(path);
        while (path.Length > 1 && path[^1] == '/')
        {
            path = path[..^1];
        }
        ZooKeeperPath.Validate(path);
        if (acl is { Count: 0 })
        {
            throw new ArgumentException("The ACL must hold at least one entry.", nameof(acl));
        }
        var import = new TreeImport(this, trim, dryRun, acl ?? ZooKeeperAcl.OpenUnsafe);
        import.Prepare(path, tree);
        if (await _client.ExistsAsync(path, null, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new NoNodeException(path, $"Cannot import below {path}: it does not exist.");
        }
        await import.ImportChildrenAsync(path, tree, top: true, isNew: false, cancellationToken).ConfigureAwait(false);
        return import.Report;
    }

    private async IAsyncEnumerable<string> WalkCoreAsync(string path, bool ephemeral, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ChildrenResult children;
        try
        {
            children = await _client.GetChildrenAsync(path, null, cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
            yield break;
        }
        if (!ephemeral && children.Stat.IsEphemeral)
        {
            yield break;
        }
        yield return path;
        foreach (var name in children.Children.Order(StringComparer.Ordinal))
        {
            await foreach (var descendant in WalkCoreAsync(ZooKeeperPath.Combine(path, name), ephemeral, cancellationToken).ConfigureAwait(false))
            {
                yield return descendant;
            }
        }
    }

    /// <summary>
    /// Deletes a subtree; returns true when the node was kept because it is or holds an ephemeral node. With
    /// <paramref name="reportDeleted"/> (import's trim) each node deleted is reported as <c>delete PATH</c>, the applied
    /// counterpart of the dry run's <c>would delete PATH.</c>.
    /// </summary>
    private async Task<bool> DeleteCoreAsync(string path, bool dryRun, bool force, bool ignoreIfEphemeral, bool reportDeleted, List<string> report, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ChildrenResult children;
        try
        {
            children = await _client.GetChildrenAsync(path, null, cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
            return false;
        }
        var ephemeralDescendant = false;
        foreach (var name in children.Children.Order(StringComparer.Ordinal))
        {
            ephemeralDescendant |= await DeleteCoreAsync(ZooKeeperPath.Combine(path, name), dryRun, force, false, reportDeleted, report, cancellationToken).ConfigureAwait(false);
        }
        if (ephemeralDescendant)
        {
            report.Add($"{path} not deleted due to ephemeral descendent.");
            return true;
        }
        var keep = children.Stat.IsEphemeral && !force;
        if (keep && ignoreIfEphemeral)
        {
            return true;
        }
        if (dryRun)
        {
            report.Add(keep ? $"wouldn't delete {path} because it's ephemeral." : $"would delete {path}.");
        }
        else if (keep)
        {
            report.Add($"Not deleting {path} because it's ephemeral.");
        }
        else
        {
            Log.Deleting(_logger, path);
            try
            {
                await _client.DeleteAsync(path, -1, cancellationToken).ConfigureAwait(false);
                if (reportDeleted)
                {
                    report.Add($"delete {path}");
                }
            }
            catch (NoNodeException)
            {
                // Gone meanwhile: that is what was asked (and not this import's doing, so not reported).
            }
        }
        return keep;
    }

    /// <summary>Reads a node and its subtree; null when it is gone, or ephemeral and not wanted.</summary>
    private async Task<TreeNode?> ReadTreeAsync(string path, bool ephemeral, bool top, CancellationToken cancellationToken)
    {
        NodeData data;
        ChildrenResult children;
        try
        {
            var dataTask = _client.GetDataAsync(path, null, cancellationToken);
            var childrenTask = _client.GetChildrenAsync(path, null, cancellationToken);
            // Both awaited together so that a failure of one does not leave the other unobserved.
            await Task.WhenAll(dataTask, childrenTask).ConfigureAwait(false);
            data = await dataTask.ConfigureAwait(false);
            children = await childrenTask.ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
            return null;
        }
        if (!ephemeral && data.Stat.IsEphemeral)
        {
            return null;
        }
        var node = TreeNode.FromProperties(path == "/" ? string.Empty : ZooKeeperPath.GetName(path), ParseAndWarn(path, data.Data));
        var names = children.Children
            .Where(name => !(path == "/" && top && name == SystemNodeName))
            .Order(StringComparer.Ordinal)
            .ToList();
        var subtrees = await Task.WhenAll(names.Select(name => ReadTreeAsync(ZooKeeperPath.Combine(path, name), ephemeral, false, cancellationToken))).ConfigureAwait(false);
        foreach (var subtree in subtrees)
        {
            if (subtree is not null)
            {
                node.Children.Add(subtree);
            }
        }
        return node;
    }

    /// <summary>The state of one import: options, the prepared node data and the report.</summary>
    private sealed class TreeImport(ZooKeeperNodes owner, bool? trim, bool dryRun, IReadOnlyList<ZooKeeperAcl> acl)
    {
        private readonly Dictionary<TreeNode, NodeProperties> _properties = new(ReferenceEqualityComparer.Instance);
        private readonly List<string> _report = [];

        public IReadOnlyList<string> Report => _report;

        /// <summary>Checks every node before anything is written: valid, unique names and storable properties.</summary>
        public void Prepare(string path, TreeNode node)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var child in node.Children)
            {
                ArgumentNullException.ThrowIfNull(child, nameof(node));
                var childPath = ZooKeeperPath.Combine(path, child.Name);
                if (child.Name.Length == 0 || child.Name.Contains('/', StringComparison.Ordinal) || ZooKeeperPath.GetError(childPath) is not null || child.Name is "." or "..")
                {
                    throw new ArgumentException($"Cannot import {childPath}{Line(child)}: invalid node name '{child.Name}'.", nameof(node));
                }
                if (!seen.Add(child.Name))
                {
                    throw new ArgumentException($"Cannot import {childPath}{Line(child)}: the tree has two nodes with this path.", nameof(node));
                }
                try
                {
                    _properties[child] = child.ToProperties();
                }
                catch (ArgumentException ex)
                {
                    throw new ArgumentException($"Cannot import {childPath}{Line(child)}: {ex.Message}", nameof(node), ex);
                }
                Prepare(childPath, child);
            }
        }

        public async Task ImportChildrenAsync(string path, TreeNode node, bool top, bool isNew, CancellationToken cancellationToken)
        {
            var wanted = node.Children.Select(static c => c.Name).ToHashSet(StringComparer.Ordinal);
            if (!top && !isNew && trim != false)
            {
                await TrimAsync(path, wanted, cancellationToken).ConfigureAwait(false);
            }
            foreach (var child in node.Children.OrderBy(static c => c.Name, StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var childPath = ZooKeeperPath.Combine(path, child.Name);
                bool created;
                try
                {
                    created = await ImportNodeAsync(childPath, _properties[child], isNew, cancellationToken).ConfigureAwait(false);
                }
                catch (ZooKeeperException ex)
                {
                    throw new TreeImportException(childPath, [.. _report], ex);
                }
                await ImportChildrenAsync(childPath, child, top: false, isNew: created, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task TrimAsync(string path, HashSet<string> wanted, CancellationToken cancellationToken)
        {
            ChildrenResult existing;
            try
            {
                existing = await owner._client.GetChildrenAsync(path, null, cancellationToken).ConfigureAwait(false);
            }
            catch (NoNodeException)
            {
                // Gone meanwhile (only possible in a dry run or a concurrent delete): nothing to trim.
                return;
            }
            foreach (var name in existing.Children.Where(n => !wanted.Contains(n)).Order(StringComparer.Ordinal))
            {
                var extra = ZooKeeperPath.Combine(path, name);
                if (trim is null)
                {
                    _report.Add($"extra path not trimmed: {extra}");
                    continue;
                }
                var lines = new List<string>();
                try
                {
                    await owner.DeleteCoreAsync(extra, dryRun, force: false, ignoreIfEphemeral: true, reportDeleted: true, lines, cancellationToken).ConfigureAwait(false);
                }
                catch (ZooKeeperException ex)
                {
                    _report.AddRange(lines);
                    throw new TreeImportException(extra, [.. _report], ex);
                }
                _report.AddRange(lines);
            }
        }

        /// <summary>Creates or updates one node; returns true when it was (or in a dry run would be) created.</summary>
        private async Task<bool> ImportNodeAsync(string path, NodeProperties properties, bool parentIsNew, CancellationToken cancellationToken)
        {
            var client = owner._client;
            NodeData? existing = null;
            if (!parentIsNew)
            {
                try
                {
                    existing = await client.GetDataAsync(path, null, cancellationToken).ConfigureAwait(false);
                }
                catch (NoNodeException)
                {
                }
            }
            if (existing is not { } current)
            {
                if (!dryRun)
                {
                    await client.CreateAsync(path, properties.ToBytes(), CreateMode.Persistent, acl, null, cancellationToken).ConfigureAwait(false);
                }
                Add($"add {path}");
                return true;
            }
            var changes = TreeImportDiff.Describe(path, owner.ParseAndWarn(path, current.Data), properties);
            if (!dryRun)
            {
                if (changes.Count > 0)
                {
                    await client.SetDataAsync(path, properties.ToBytes(), current.Stat.Version, cancellationToken).ConfigureAwait(false);
                }
                var currentAcl = await client.GetAclAsync(path, cancellationToken).ConfigureAwait(false);
                if (!currentAcl.Acl.SequenceEqual(acl))
                {
                    await client.SetAclAsync(path, acl, currentAcl.Stat.Aversion, cancellationToken).ConfigureAwait(false);
                }
            }
            foreach (var line in changes)
            {
                Add(line);
            }
            return false;
        }

        private void Add(string line)
        {
            if (!dryRun)
            {
                Log.ImportApplied(owner._logger, line);
            }
            _report.Add(line);
        }

        private static string Line(TreeNode node) => node.LineNumber > 0 ? $" (line {node.LineNumber})" : string.Empty;
    }
}
