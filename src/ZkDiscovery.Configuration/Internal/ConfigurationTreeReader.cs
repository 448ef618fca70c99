using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>What one read of the configuration tree found.</summary>
internal enum ConfigurationReadStatus
{
    /// <summary>The tree was read; <see cref="ConfigurationReadResult.Data"/> holds the keys.</summary>
    Loaded,

    /// <summary>The configured path does not resolve to a node.</summary>
    NotFound,

    /// <summary>The tree holds data that cannot be used (bad JSON, a bad or cyclic link); see <see cref="ConfigurationReadResult.Error"/>.</summary>
    Failed,

    /// <summary>The connection dropped, the session changed or the tree changed under the read: the result is discarded.</summary>
    Interrupted,
}

/// <summary>The outcome of one read of the configuration tree, and the paths it left watches on.</summary>
internal sealed record ConfigurationReadResult(
    ConfigurationReadStatus Status,
    Dictionary<string, string?>? Data,
    Exception? Error,
    IReadOnlySet<string> Watched,
    IReadOnlyDictionary<string, ZooKeeperConfigurationKeySource>? Sources = null);

/// <summary>
/// Reads the configuration of one path in one pass: the node's properties (symbolic links on the path followed,
/// property links read through) and, when asked, its persistent children as sections, to a depth (symbolic links
/// of a node stand for children of that name). Every node read gets the watcher (a missing node an exists watch),
/// so any change that could change the result fires a watch. Each node is read once per pass, so one pass is one
/// consistent view of every node it read.
/// </summary>
internal sealed class ConfigurationTreeReader : IConfigurationReader
{
    private readonly ZooKeeperClient _client;
    private readonly Action<WatchedEvent>? _watcher;
    private readonly ConfigurationNodeCache.Subscriber? _cache;
    private readonly string _path;
    private readonly string? _prefix;
    private readonly int _childDepth;

    /// <param name="client">The client to read with.</param>
    /// <param name="watcher">The watcher left on every node read, or null to read without watches.</param>
    /// <param name="path">The normalised path to read.</param>
    /// <param name="prefix">The key prefix, or null.</param>
    /// <param name="childDepth">How many levels of children to map as sections; 0 for none.</param>
    /// <param name="cache">
    /// The provider's access to the shared cache of the client's configuration nodes, which reads and watches for every
    /// provider (the watcher is then not used); null to read every node on each pass.
    /// </param>
    public ConfigurationTreeReader(ZooKeeperClient client, Action<WatchedEvent>? watcher, string path, string? prefix, int childDepth, ConfigurationNodeCache.Subscriber? cache = null)
    {
        _client = client;
        _watcher = watcher;
        _cache = cache;
        _path = path;
        _prefix = prefix;
        _childDepth = childDepth;
    }

    /// <summary>How many existing nodes the last <see cref="ReadAsync"/> read (for traces).</summary>
    public int NodesRead { get; private set; }

    /// <summary>Reads the tree once. Throws only for cancellation and a disposed client.</summary>
    public async Task<ConfigurationReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        var pass = new Pass(_client, _watcher, _cache, _path);
        try
        {
            // The configured node is what every pass reads first (link resolution starts there). Read here, the one
            // wait for it is this method's: the layers below then find it in the pass and run on without suspending
            // each in turn (which allocates a state machine per layer, per pass, per provider).
            await pass.ReadNodeAsync(_path, cancellationToken).ConfigureAwait(false);
            var data = ConfigurationKeyMapper.CreateData();
            await AddNodeAsync(pass, data, _path, _prefix, _childDepth, ancestors: null, [], isRoot: true, cancellationToken).ConfigureAwait(false);
            if (pass.HasProblems)
            {
                return new ConfigurationReadResult(ConfigurationReadStatus.Failed, null, pass.CreateError(_path), pass.Watched);
            }
            return new ConfigurationReadResult(ConfigurationReadStatus.Loaded, data, null, pass.Watched, pass.Sources);
        }
        catch (NoNodeException ex) when (ex.Path == _path || ex.Path is null)
        {
            return new ConfigurationReadResult(ConfigurationReadStatus.NotFound, null, ex, pass.Watched);
        }
        catch (TreeChangedException ex)
        {
            return new ConfigurationReadResult(ConfigurationReadStatus.Interrupted, null, ex, pass.Watched);
        }
        catch (ZooKeeperException ex) when (ex.IsTransient || ex is SessionExpiredException)
        {
            return new ConfigurationReadResult(ConfigurationReadStatus.Interrupted, null, ex, pass.Watched);
        }
        catch (Exception ex) when (ex is ZooKeeperException or NodeLinkException)
        {
            // A denied read, a symbolic link loop or a bad link target on the configured path.
            pass.Problems.Add(ex.Message.TrimEnd('.'));
            pass.FirstCause ??= ex;
            return new ConfigurationReadResult(ConfigurationReadStatus.Failed, null, pass.CreateError(_path), pass.Watched);
        }
        finally
        {
            NodesRead = pass.NodeCount;
        }
    }

    private static async Task AddNodeAsync(
        Pass pass,
        Dictionary<string, string?> data,
        string path,
        string? prefix,
        int childDepth,
        HashSet<string>? ancestors,
        IReadOnlyList<string> links,
        bool isRoot,
        CancellationToken cancellationToken)
    {
        ResolvedNodeProperties resolved;
        try
        {
            resolved = await NodeLinks.ResolvePropertiesAsync(path, pass.ReadProperties, cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException) when (!isRoot)
        {
            // A child listed a moment ago is gone: its parent's child watch has fired; read again.
            throw new TreeChangedException(path);
        }

        foreach (var error in resolved.Errors)
        {
            pass.Problems.Add(error.Message.TrimEnd('.'));
            pass.FirstCause ??= error;
        }
        if (!string.Equals(resolved.RealPath, path, StringComparison.Ordinal))
        {
            links = [.. links, $"{path} -> {resolved.RealPath}"];
        }
        // The root maps straight into the result, still empty; any other node maps on its own first, so that its keys
        // can be merged under the keys already there.
        var own = isRoot ? data : ConfigurationKeyMapper.CreateData();
        var ownSources = isRoot ? null : new Dictionary<string, ZooKeeperConfigurationKeySource>(StringComparer.OrdinalIgnoreCase);
        try
        {
            AddProperties(pass, resolved, prefix, links, own, ownSources);
        }
        catch (FormatException ex)
        {
            pass.Problems.Add($"the properties of {resolved.RealPath} map to the same key twice ({ex.Message.TrimEnd('.')})");
            pass.FirstCause ??= ex;
        }
        if (!isRoot)
        {
            // A node's own properties win over keys coming from its children.
            foreach (var (key, value) in own)
            {
                // A key of a property that failed to map has no source: the pass has failed then anyway.
                if (data.TryAdd(key, value) && ownSources!.TryGetValue(key, out var source))
                {
                    pass.AddSource(source);
                }
            }
        }

        if (childDepth <= 0)
        {
            return;
        }
        var lineage = ancestors is null ? new HashSet<string>(StringComparer.Ordinal) : new HashSet<string>(ancestors, StringComparer.Ordinal);
        lineage.Add(resolved.RealPath);
        var children = await pass.GetChildrenAsync(resolved.RealPath, cancellationToken).ConfigureAwait(false)
            ?? throw new TreeChangedException(resolved.RealPath);
        var sorted = children.Order(StringComparer.Ordinal).ToList();
        foreach (var name in sorted)
        {
            var childPath = ZooKeeperPath.Combine(resolved.RealPath, name);
            var child = await pass.ReadNodeAsync(childPath, cancellationToken).ConfigureAwait(false)
                ?? throw new TreeChangedException(childPath);
            if (child.IsEphemeral)
            {
                continue; // Registration nodes and the like are not configuration.
            }
            await AddNodeAsync(pass, data, childPath, ConfigurationKeyMapper.Combine(prefix, name), childDepth - 1, lineage, links, isRoot: false, cancellationToken).ConfigureAwait(false);
        }

        var realChildren = new HashSet<string>(children, StringComparer.Ordinal);
        foreach (var (storedName, value) in resolved.Stored)
        {
            if (!NodePropertyNames.IsSymbolicLink(storedName))
            {
                continue;
            }
            var name = NodePropertyNames.StripLinkSuffix(storedName);
            if (realChildren.Contains(name) || name.Length == 0)
            {
                continue; // A real child shadows a link of the same name.
            }
            var linkText = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "null";
            string target;
            try
            {
                target = await NodeLinks.ResolvePathAsync(ZooKeeperPath.Combine(resolved.RealPath, name), pass.ReadProperties, cancellationToken).ConfigureAwait(false);
            }
            catch (NoNodeException ex)
            {
                pass.Problems.Add($"the symbolic link \"{storedName}\" on {resolved.RealPath} points to {linkText}, which does not exist");
                pass.FirstCause ??= ex;
                continue;
            }
            catch (NodeLinkException ex)
            {
                pass.Problems.Add(ex.Message.TrimEnd('.'));
                pass.FirstCause ??= ex;
                continue;
            }
            if (lineage.Contains(target))
            {
                pass.Problems.Add($"the symbolic link \"{storedName}\" on {resolved.RealPath} points to {target}, which contains it (a cycle)");
                continue;
            }
            IReadOnlyList<string> childLinks = [.. links, $"{ZooKeeperPath.Combine(resolved.RealPath, name)} -> {target}"];
            await AddNodeAsync(pass, data, target, ConfigurationKeyMapper.Combine(prefix, name), childDepth - 1, lineage, childLinks, isRoot: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Maps a node's visible properties one at a time, so that each key knows the node and links it comes from; a
    /// property reached through a property link (<c>NAME =&gt;</c>) names that link.
    /// </summary>
    /// <param name="pass">The pass.</param>
    /// <param name="resolved">The node.</param>
    /// <param name="prefix">The node's key prefix, or null.</param>
    /// <param name="links">The links followed to reach the node.</param>
    /// <param name="own">Given the node's keys.</param>
    /// <param name="ownSources">Given the keys' sources; null to give them to the pass (the configured node's keys).</param>
    /// <exception cref="FormatException">Two properties map to the same key.</exception>
    private static void AddProperties(
        Pass pass,
        ResolvedNodeProperties resolved,
        string? prefix,
        IReadOnlyList<string> links,
        Dictionary<string, string?> own,
        Dictionary<string, ZooKeeperConfigurationKeySource>? ownSources)
    {
        var mappedKeys = pass.MappedKeys;
        // Without link properties (the usual node), no property comes through a link: none to look for.
        var mayHaveLinks = resolved.Stored is not NodeProperties { HasLinks: false };
        var properties = resolved.Properties.GetItemEnumerator();
        while (properties.MoveNext())
        {
            var (name, value) = properties.Current;
            mappedKeys.Clear();
            ConfigurationKeyMapper.AddProperty(own, prefix, name, value, mappedKeys);
            var propertyLinks = links;
            if (mayHaveLinks
                && !resolved.Stored.ContainsKey(name)
                && NodePropertyNames.ForPropertyLink(name) is var storedLink
                && resolved.Stored.TryGetValue(storedLink, out var target))
            {
                var targetText = target is JsonValue v && v.TryGetValue<string>(out var s) ? s : target?.ToJsonString() ?? "null";
                propertyLinks = [.. links, $"{resolved.RealPath} {storedLink} {targetText}"];
            }
            foreach (var key in mappedKeys)
            {
                if (ownSources is not null)
                {
                    ownSources[key] = new ZooKeeperConfigurationKeySource { Key = key, NodePath = resolved.RealPath, Links = propertyLinks };
                }
                else
                {
                    pass.AddSource(key, resolved.RealPath, propertyLinks);
                }
            }
        }
    }

    /// <summary>The reads of one pass: each node read once, with the watcher; what was watched; what was wrong.</summary>
    private sealed class Pass
    {
        private readonly ZooKeeperClient _client;
        private readonly Action<WatchedEvent>? _watcher;
        private readonly ConfigurationNodeCache.Subscriber? _cache;
        private readonly string _path;
        private readonly Dictionary<string, ConfigurationNode?> _nodes = new(StringComparer.Ordinal);
        // Made when first needed: most passes read one node and find nothing wrong.
        private Dictionary<string, IReadOnlyList<string>?>? _children;
        private List<string>? _problems;
        private List<string>? _mappedKeys;

        public Pass(ZooKeeperClient client, Action<WatchedEvent>? watcher, ConfigurationNodeCache.Subscriber? cache, string path)
        {
            _client = client;
            _watcher = watcher;
            _cache = cache;
            _path = path;
            ReadProperties = ReadPropertiesAsync;
        }

        /// <summary>A node's properties, or null when it does not exist: the reader that link resolution reads through.</summary>
        public Func<string, CancellationToken, ValueTask<IReadOnlyDictionary<string, JsonNode?>?>> ReadProperties { get; }

        public HashSet<string> Watched { get; } = new(StringComparer.Ordinal);

        /// <summary>How many existing nodes were read.</summary>
        public int NodeCount { get; private set; }

        /// <summary>The keys the property being mapped gave (a buffer kept for the pass).</summary>
        public List<string> MappedKeys => _mappedKeys ??= [];

        public List<string> Problems => _problems ??= [];

        public bool HasProblems => _problems is { Count: > 0 };

        /// <summary>
        /// Where each key of the result comes from, or null; a key not here comes from the configured node without a
        /// link, which is what the provider's report says of a key without a recorded source.
        /// </summary>
        public Dictionary<string, ZooKeeperConfigurationKeySource>? Sources { get; private set; }

        public void AddSource(string key, string nodePath, IReadOnlyList<string> links)
        {
            if (links.Count > 0 || !string.Equals(nodePath, _path, StringComparison.Ordinal))
            {
                AddSource(new ZooKeeperConfigurationKeySource { Key = key, NodePath = nodePath, Links = links });
            }
        }

        public void AddSource(ZooKeeperConfigurationKeySource source) =>
            (Sources ??= new(StringComparer.OrdinalIgnoreCase))[source.Key] = source;

        public Exception? FirstCause { get; set; }

        public InvalidDataException CreateError(string path)
        {
            var message = $"The configuration at {path} cannot be used: {string.Join("; ", Problems.Distinct(StringComparer.Ordinal))}.";
            return FirstCause is null ? new InvalidDataException(message) : new InvalidDataException(message, FirstCause);
        }

        private async ValueTask<IReadOnlyDictionary<string, JsonNode?>?> ReadPropertiesAsync(string path, CancellationToken cancellationToken) =>
            (await ReadNodeAsync(path, cancellationToken).ConfigureAwait(false))?.Properties;

        /// <summary>A node as read (its properties) with a data watch, or null (with an exists watch) when it does not exist.</summary>
        public async ValueTask<ConfigurationNode?> ReadNodeAsync(string path, CancellationToken cancellationToken)
        {
            if (_nodes.TryGetValue(path, out var cached))
            {
                return cached;
            }
            if (_watcher is not null || _cache is not null)
            {
                Watched.Add(path);
            }
            var entry = _cache is not null
                ? await _cache.GetNodeAsync(path, cancellationToken).ConfigureAwait(false)
                : await ConfigurationNode.ReadAsync(_client, path, _watcher, null, null, cancellationToken).ConfigureAwait(false);
            if (entry?.Properties.ReadWarning is { } warning)
            {
                Problems.Add($"the data of {path} is not a JSON object ({warning})");
            }
            if (entry is not null)
            {
                NodeCount++;
            }
            _nodes[path] = entry;
            return entry;
        }

        /// <summary>A node's children with a child watch, or null when it no longer exists.</summary>
        public async ValueTask<IReadOnlyList<string>?> GetChildrenAsync(string path, CancellationToken cancellationToken)
        {
            _children ??= new(StringComparer.Ordinal);
            if (_children.TryGetValue(path, out var cached))
            {
                return cached;
            }
            if (_watcher is not null || _cache is not null)
            {
                Watched.Add(path);
            }
            IReadOnlyList<string>? children;
            if (_cache is not null)
            {
                children = await _cache.GetChildrenAsync(path, cancellationToken).ConfigureAwait(false);
                _children[path] = children;
                return children;
            }
            try
            {
                children = (await _client.GetChildrenAsync(path, _watcher, cancellationToken).ConfigureAwait(false)).Children;
            }
            catch (NoNodeException)
            {
                children = null;
            }
            _children[path] = children;
            return children;
        }
    }
}

/// <summary>A node changed between the reads of one pass (deleted and created again, say): the pass is discarded.</summary>
internal sealed class TreeChangedException(string path) : Exception($"{path} changed while the configuration was read.");
