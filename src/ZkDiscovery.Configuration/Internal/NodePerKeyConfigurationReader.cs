using System.Text;
using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>
/// Reads configuration in Spring Cloud Zookeeper Config's node-per-key layout (<see cref="ZooKeeperConfigurationLayout.NodePerKey"/>):
/// every descendant node with data is a key (relative path, <c>/</c> and <c>.</c> as <c>:</c>), its UTF-8 data the value.
/// An optional shared context (Spring's <c>/config/application</c>) is read first and loses to the application's own
/// keys. Every node read gets the watcher (data and child watches; an exists watch on a missing context), so any change
/// that could change the result fires a watch.
/// </summary>
internal sealed class NodePerKeyConfigurationReader : IConfigurationReader
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ZooKeeperClient _client;
    private readonly Action<WatchedEvent>? _watcher;
    private readonly string _path;
    private readonly string? _sharedPath;
    private readonly string? _prefix;
    private readonly int _depth;

    /// <param name="client">The client to read with.</param>
    /// <param name="watcher">The watcher left on every node read, or null to read without watches.</param>
    /// <param name="path">The normalised path of the application's context.</param>
    /// <param name="sharedPath">The normalised path of a shared context read underneath (lower precedence), or null.</param>
    /// <param name="prefix">The key prefix, or null.</param>
    /// <param name="depth">How many levels of descendants to read (1: direct children only).</param>
    public NodePerKeyConfigurationReader(ZooKeeperClient client, Action<WatchedEvent>? watcher, string path, string? sharedPath, string? prefix, int depth)
    {
        _client = client;
        _watcher = watcher;
        _path = path;
        _sharedPath = sharedPath;
        _prefix = prefix;
        _depth = depth;
    }

    public int NodesRead { get; private set; }

    public async Task<ConfigurationReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        var pass = new Pass(_client, _watcher);
        try
        {
            var data = ConfigurationKeyMapper.CreateData();
            var sources = new Dictionary<string, ZooKeeperConfigurationKeySource>(StringComparer.OrdinalIgnoreCase);
            var root = await pass.ResolveAsync(_path, cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return new ConfigurationReadResult(ConfigurationReadStatus.NotFound, null, new NoNodeException(_path), pass.Watched);
            }
            await AddTreeAsync(pass, data, sources, _path, root, cancellationToken).ConfigureAwait(false);
            if (_sharedPath is not null && await pass.ResolveAsync(_sharedPath, cancellationToken).ConfigureAwait(false) is { } shared)
            {
                // Spring's /config/application: under the application's own keys.
                var sharedData = ConfigurationKeyMapper.CreateData();
                var sharedSources = new Dictionary<string, ZooKeeperConfigurationKeySource>(StringComparer.OrdinalIgnoreCase);
                await AddTreeAsync(pass, sharedData, sharedSources, _sharedPath, shared, cancellationToken).ConfigureAwait(false);
                foreach (var (key, value) in sharedData)
                {
                    if (data.TryAdd(key, value))
                    {
                        sources[key] = sharedSources[key];
                    }
                }
            }
            if (pass.Problems.Count > 0)
            {
                var message = $"The configuration at {_path} cannot be used: {string.Join("; ", pass.Problems.Distinct(StringComparer.Ordinal))}.";
                return new ConfigurationReadResult(ConfigurationReadStatus.Failed, null, new InvalidDataException(message, pass.FirstCause), pass.Watched);
            }
            return new ConfigurationReadResult(ConfigurationReadStatus.Loaded, data, null, pass.Watched, sources);
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
            var message = $"The configuration at {_path} cannot be used: {ex.Message.TrimEnd('.')}.";
            return new ConfigurationReadResult(ConfigurationReadStatus.Failed, null, new InvalidDataException(message, ex), pass.Watched);
        }
        finally
        {
            NodesRead = pass.NodesRead.Count;
        }
    }

    /// <summary>Adds the keys of every descendant of <paramref name="contextPath"/> (its own data is not a key), and where each comes from.</summary>
    private async Task AddTreeAsync(
        Pass pass,
        Dictionary<string, string?> data,
        Dictionary<string, ZooKeeperConfigurationKeySource> sources,
        string configuredPath,
        string contextPath,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<string> links = string.Equals(configuredPath, contextPath, StringComparison.Ordinal) ? [] : [$"{configuredPath} -> {contextPath}"];
        var pending = new Stack<(string Path, string? Key, int Depth)>();
        pending.Push((contextPath, null, 0));
        while (pending.Count > 0)
        {
            var (path, key, depth) = pending.Pop();
            if (depth >= _depth)
            {
                continue;
            }
            var children = await pass.GetChildrenAsync(path, cancellationToken).ConfigureAwait(false)
                ?? throw new TreeChangedException(path);
            foreach (var name in children.Order(StringComparer.Ordinal).Reverse())
            {
                var childPath = ZooKeeperPath.Combine(path, name);
                var childKey = ConfigurationKeyMapper.Combine(key, name.Replace('.', ':'));
                var node = await pass.GetDataAsync(childPath, cancellationToken).ConfigureAwait(false)
                    ?? throw new TreeChangedException(childPath); // Listed a moment ago: the parent's child watch has fired.
                if (node.Stat.IsEphemeral)
                {
                    continue; // Registrations and the like are not configuration.
                }
                if (node.Data is { Length: > 0 })
                {
                    string value;
                    try
                    {
                        value = s_strictUtf8.GetString(node.Data);
                    }
                    catch (DecoderFallbackException ex)
                    {
                        pass.Problems.Add($"the data of {childPath} is not UTF-8 text");
                        pass.FirstCause ??= ex;
                        continue;
                    }
                    var fullKey = ConfigurationKeyMapper.Combine(_prefix, childKey);
                    if (!data.TryAdd(fullKey, value))
                    {
                        pass.Problems.Add($"{childPath} maps to the key '{fullKey}' that another node already gives");
                    }
                    else
                    {
                        sources[fullKey] = new ZooKeeperConfigurationKeySource { Key = fullKey, NodePath = childPath, Links = links };
                    }
                }
                pending.Push((childPath, childKey, depth + 1));
            }
        }
    }

    /// <summary>The tree changed under a read (a node listed a moment ago is gone); the result is discarded.</summary>
    private sealed class TreeChangedException(string path) : Exception($"{path} changed while the configuration was read.");

    /// <summary>The reads of one pass, with the watcher; what was watched; what was wrong.</summary>
    private sealed class Pass(ZooKeeperClient client, Action<WatchedEvent>? watcher)
    {
        public HashSet<string> Watched { get; } = new(StringComparer.Ordinal);

        /// <summary>The existing nodes whose data this pass read.</summary>
        public HashSet<string> NodesRead { get; } = new(StringComparer.Ordinal);

        public List<string> Problems { get; } = [];

        public Exception? FirstCause { get; set; }

        /// <summary>The real path of a context (through symbolic links), or null (an exists watch left) when it does not exist.</summary>
        public async Task<string?> ResolveAsync(string path, CancellationToken cancellationToken)
        {
            try
            {
                return await NodeLinks.ResolvePathAsync(path, ReadPropertiesAsync, cancellationToken).ConfigureAwait(false);
            }
            catch (NoNodeException ex) when (ex.Path == path)
            {
                return null;
            }
        }

        public async Task<NodeData?> GetDataAsync(string path, CancellationToken cancellationToken)
        {
            Track(path);
            try
            {
                var data = await client.GetDataAsync(path, watcher, cancellationToken).ConfigureAwait(false);
                NodesRead.Add(path);
                return data;
            }
            catch (NoNodeException)
            {
                return null;
            }
        }

        public async Task<IReadOnlyList<string>?> GetChildrenAsync(string path, CancellationToken cancellationToken)
        {
            Track(path);
            try
            {
                return (await client.GetChildrenAsync(path, watcher, cancellationToken).ConfigureAwait(false)).Children;
            }
            catch (NoNodeException)
            {
                return null;
            }
        }

        /// <summary>A node's JSON properties for link resolution (data that is not JSON has no links), or null with an exists watch.</summary>
        private async ValueTask<IReadOnlyDictionary<string, JsonNode?>?> ReadPropertiesAsync(string path, CancellationToken cancellationToken)
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                if (await GetDataAsync(path, cancellationToken).ConfigureAwait(false) is { } node)
                {
                    return NodeProperties.Parse(node.Data);
                }
                if (await client.ExistsAsync(path, watcher, cancellationToken).ConfigureAwait(false) is null)
                {
                    return null;
                }
                // Created between the two reads: read it again.
            }
            throw new TreeChangedException(path);
        }

        private void Track(string path)
        {
            if (watcher is not null)
            {
                Watched.Add(path);
            }
        }
    }
}
