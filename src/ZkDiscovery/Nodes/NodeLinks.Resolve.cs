using System.Text.Json.Nodes;

namespace ZkDiscovery.Nodes;

public static partial class NodeLinks
{
    // Far more hops than any real tree uses; guards against pathological data.
    private const int MaxHops = 1000;

    /// <summary>
    /// Resolves <paramref name="path"/> to the real path of an existing node, following symbolic links anywhere in
    /// the path (zc.zk rules): normalise; an existing node is its own real path; otherwise resolve the parent, use a
    /// real child of that name if there is one (a real child shadows a link), else follow the parent's
    /// <c>NAME -&gt;</c> property, relative targets being relative to the resolved parent.
    /// </summary>
    /// <param name="path">An absolute path; may contain <c>.</c> and <c>..</c>.</param>
    /// <param name="getProperties">Reads a node's properties; returns null when the node does not exist.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The real path.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is not absolute or goes above the root.</exception>
    /// <exception cref="NoNodeException">The path does not resolve to an existing node; <see cref="ZooKeeperException.Path"/> is <paramref name="path"/>.</exception>
    /// <exception cref="LinkLoopException">The links form a loop; the exception names the chain.</exception>
    /// <exception cref="InvalidLinkTargetException">A link on the way has a target above the root.</exception>
    internal static async ValueTask<string> ResolvePathAsync(
        string path,
        Func<string, CancellationToken, ValueTask<IReadOnlyDictionary<string, JsonNode?>?>> getProperties,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(getProperties);
        var normalized = NormalizePath(path);
        var reader = new CachingReader(getProperties);
        return await reader.ResolveAsync(normalized, cancellationToken).ConfigureAwait(false)
            ?? throw new NoNodeException(path);
    }

    /// <summary>
    /// The value of property <paramref name="name"/> of the node at <paramref name="path"/>, following property links:
    /// a real property wins; otherwise the property <c>NAME =&gt;</c> with value <c>PATH [PROPERTY]</c> gives the value of
    /// PROPERTY (default NAME) on the node at PATH (relative to the real path of the node holding the link, through
    /// symbolic links), which may itself be a link.
    /// </summary>
    /// <param name="path">The node's path; symbolic links are followed.</param>
    /// <param name="name">The property name (without <c> =&gt;</c>).</param>
    /// <param name="getProperties">Reads a node's properties; returns null when the node does not exist.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The value (a JSON null is returned as null).</returns>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    /// <exception cref="KeyNotFoundException">The node has neither the property nor a property link for it.</exception>
    /// <exception cref="BadPropertyLinkException">A link on the way is bad; the exception names it.</exception>
    /// <exception cref="PropertyLinkCycleException">The links form a cycle; the exception names the chain.</exception>
    /// <exception cref="LinkLoopException">Resolving <paramref name="path"/> met a symbolic link loop.</exception>
    internal static async ValueTask<JsonNode?> GetPropertyAsync(
        string path,
        string name,
        Func<string, CancellationToken, ValueTask<IReadOnlyDictionary<string, JsonNode?>?>> getProperties,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(getProperties);
        var normalized = NormalizePath(path);
        var reader = new CachingReader(getProperties);
        var realPath = await reader.ResolveAsync(normalized, cancellationToken).ConfigureAwait(false) ?? throw new NoNodeException(path);
        var properties = await reader.ReadAsync(realPath, cancellationToken).ConfigureAwait(false) ?? throw new NoNodeException(path);
        if (!properties.ContainsKey(name) && !properties.ContainsKey(NodePropertyNames.ForPropertyLink(name)))
        {
            throw new KeyNotFoundException($"The node {realPath} has no property \"{name}\".");
        }
        return await reader.GetPropertyAsync(realPath, properties, name, [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the node at <paramref name="path"/> (through symbolic links) and the properties a reader sees: plain
    /// properties and followed property links, in stored order, without symbolic links. Bad property links are
    /// left out and reported in <see cref="ResolvedNodeProperties.Errors"/>.
    /// </summary>
    /// <param name="path">The node's path.</param>
    /// <param name="getProperties">Reads a node's properties; returns null when the node does not exist.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    /// <exception cref="LinkLoopException">Resolving <paramref name="path"/> met a symbolic link loop.</exception>
    internal static async ValueTask<ResolvedNodeProperties> ResolvePropertiesAsync(
        string path,
        Func<string, CancellationToken, ValueTask<IReadOnlyDictionary<string, JsonNode?>?>> getProperties,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(getProperties);
        var normalized = NormalizePath(path);
        cancellationToken.ThrowIfCancellationRequested();
        var own = await getProperties(normalized, cancellationToken).ConfigureAwait(false);
        if (own is NodeProperties { HasLinks: false } plain)
        {
            // The usual node: it exists, so it is its own real path, and with no links what it stores is what a reader sees.
            return new ResolvedNodeProperties(path, normalized, plain, plain, [], []);
        }
        var reader = new CachingReader(getProperties);
        reader.Add(normalized, own);
        var realPath = await reader.ResolveAsync(normalized, cancellationToken).ConfigureAwait(false) ?? throw new NoNodeException(path);
        var stored = await reader.ReadAsync(realPath, cancellationToken).ConfigureAwait(false) ?? throw new NoNodeException(path);
        var visible = new List<KeyValuePair<string, JsonNode?>>(stored.Count);
        var errors = new List<NodeLinkException>();
        foreach (var storedName in stored.Keys)
        {
            if (NodePropertyNames.IsSymbolicLink(storedName))
            {
                continue;
            }
            if (!NodePropertyNames.IsPropertyLink(storedName))
            {
                visible.Add(new(storedName, stored[storedName]));
                continue;
            }
            var name = storedName[..^NodePropertyNames.PropertyLinkSuffix.Length];
            if (stored.ContainsKey(name))
            {
                continue; // The real property wins; it is listed at its own place.
            }
            try
            {
                visible.Add(new(name, await reader.GetPropertyAsync(realPath, stored, name, [], cancellationToken).ConfigureAwait(false)));
            }
            catch (NodeLinkException ex)
            {
                errors.Add(ex);
            }
        }
        reader.LinkedPaths.Remove(realPath);
        return new ResolvedNodeProperties(path, realPath, stored, new NodeProperties(visible), errors, [.. reader.LinkedPaths]);
    }

    /// <summary>Reads through the caller's function, once per path per operation, so one answer is consistent.</summary>
    private sealed class CachingReader(Func<string, CancellationToken, ValueTask<IReadOnlyDictionary<string, JsonNode?>?>> getProperties)
    {
        private readonly Dictionary<string, IReadOnlyDictionary<string, JsonNode?>?> _cache = new(StringComparer.Ordinal);

        /// <summary>Real paths of the nodes whose properties were read to follow property links, in order.</summary>
        public List<string> LinkedPaths { get; } = [];

        /// <summary>Takes what the caller read of <paramref name="path"/> already.</summary>
        public void Add(string path, IReadOnlyDictionary<string, JsonNode?>? properties) => _cache[path] = properties;

        public async ValueTask<IReadOnlyDictionary<string, JsonNode?>?> ReadAsync(string path, CancellationToken cancellationToken)
        {
            if (!_cache.TryGetValue(path, out var properties))
            {
                cancellationToken.ThrowIfCancellationRequested();
                properties = await getProperties(path, cancellationToken).ConfigureAwait(false);
                _cache[path] = properties;
            }
            return properties;
        }

        /// <summary>Resolves a normalised path; null when it does not resolve.</summary>
        public ValueTask<string?> ResolveAsync(string path, CancellationToken cancellationToken) =>
            ResolveAsync(path, null, 0, cancellationToken);

        private async ValueTask<string?> ResolveAsync(string path, SeenPath? seen, int hops, CancellationToken cancellationToken)
        {
            if (await ReadAsync(path, cancellationToken).ConfigureAwait(false) is not null)
            {
                return path;
            }
            if (path == "/")
            {
                return null;
            }
            if ((seen is not null && seen.Contains(path)) || hops > MaxHops)
            {
                throw new LinkLoopException([.. SeenPath.ToList(seen), path]);
            }
            var parent = ZooKeeperPath.GetParent(path)!;
            var name = ZooKeeperPath.GetName(path);
            var realParent = await ResolveAsync(parent, seen, hops, cancellationToken).ConfigureAwait(false);
            if (realParent is null)
            {
                return null;
            }
            if (realParent != parent)
            {
                var candidate = ZooKeeperPath.Combine(realParent, name);
                if (await ReadAsync(candidate, cancellationToken).ConfigureAwait(false) is not null)
                {
                    return candidate;
                }
            }
            var parentProperties = await ReadAsync(realParent, cancellationToken).ConfigureAwait(false);
            var linkName = NodePropertyNames.ForSymbolicLink(name);
            if (parentProperties is null
                || !parentProperties.TryGetValue(linkName, out var value)
                || value is not JsonValue jsonValue
                || !jsonValue.TryGetValue<string>(out var target)
                || target.Length == 0)
            {
                return null;
            }
            string targetPath;
            try
            {
                targetPath = ResolveTarget(realParent, target);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidLinkTargetException(realParent, linkName, target, ex);
            }
            return await ResolveAsync(targetPath, new SeenPath(path, seen), hops + 1, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Follows the property <paramref name="name"/> of the node at real path <paramref name="path"/>.</summary>
        public async ValueTask<JsonNode?> GetPropertyAsync(
            string path,
            IReadOnlyDictionary<string, JsonNode?> properties,
            string name,
            List<string> chain,
            CancellationToken cancellationToken)
        {
            if (properties.TryGetValue(name, out var direct))
            {
                return direct;
            }
            var linkValue = properties[NodePropertyNames.ForPropertyLink(name)];
            var entry = path + " " + name;
            chain.Add(entry);
            if (linkValue is not JsonValue jsonValue || !jsonValue.TryGetValue<string>(out var text))
            {
                throw new BadPropertyLinkException(path, name, NodeProperties.ToJsonText(linkValue), BadPropertyLinkReason.InvalidValue, "the value is not a string");
            }
            var target = ParsePropertyLink(path, name, text);
            string? realTarget;
            try
            {
                realTarget = await ResolveAsync(target.Path, cancellationToken).ConfigureAwait(false);
            }
            catch (NodeLinkException ex)
            {
                throw new BadPropertyLinkException(path, name, text, BadPropertyLinkReason.TargetNodeNotFound, ex.Message.TrimEnd('.'), ex);
            }
            var targetProperties = realTarget is null ? null : await ReadAsync(realTarget, cancellationToken).ConfigureAwait(false);
            if (realTarget is null || targetProperties is null)
            {
                throw new BadPropertyLinkException(path, name, text, BadPropertyLinkReason.TargetNodeNotFound, $"the target node {target.Path} does not exist");
            }
            if (!LinkedPaths.Contains(realTarget))
            {
                LinkedPaths.Add(realTarget);
            }
            var targetEntry = realTarget + " " + target.PropertyName;
            if (chain.Contains(targetEntry))
            {
                throw new PropertyLinkCycleException([.. chain, targetEntry]);
            }
            if (!targetProperties.ContainsKey(target.PropertyName)
                && !targetProperties.ContainsKey(NodePropertyNames.ForPropertyLink(target.PropertyName)))
            {
                throw new BadPropertyLinkException(path, name, text, BadPropertyLinkReason.TargetPropertyNotFound,
                    $"the target node {realTarget} has no property \"{target.PropertyName}\"");
            }
            return await GetPropertyAsync(realTarget, targetProperties, target.PropertyName, chain, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An immutable list of the paths seen, newest first, shared between branches of the recursion.</summary>
    private sealed class SeenPath(string path, SeenPath? previous)
    {
        public bool Contains(string value)
        {
            for (var node = this; node is not null; node = node.Previous)
            {
                if (node.Path == value)
                {
                    return true;
                }
            }
            return false;
        }

        private string Path { get; } = path;

        private SeenPath? Previous { get; } = previous;

        public static List<string> ToList(SeenPath? seen)
        {
            var list = new List<string>();
            for (var node = seen; node is not null; node = node.Previous)
            {
                list.Add(node.Path);
            }
            list.Reverse();
            return list;
        }
    }
}
