using System.Collections.Concurrent;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>
/// A node as read for configuration: its properties, and whether it is ephemeral (not configuration). Kept in the node
/// cache until the node changes, so it holds no more than that (not the node's whole stat).
/// </summary>
internal sealed record ConfigurationNode(NodeProperties Properties, bool IsEphemeral)
{
    /// <summary>
    /// Reads a node with <paramref name="watcher"/> (a data watch, or an exists watch when it is missing): null when it
    /// does not exist; read again when it was created between the two requests, three times at most.
    /// </summary>
    /// <param name="client">The client to read with.</param>
    /// <param name="path">The node.</param>
    /// <param name="watcher">The watcher to leave on it, or null for none.</param>
    /// <param name="onRequest">Told of each request sent (for counts), or null.</param>
    /// <param name="previous">The node as read before (its unchanged strings are taken from it), or null.</param>
    /// <param name="cancellationToken">Cancels the wait for the replies.</param>
    /// <exception cref="TreeChangedException">The node kept being deleted and created between the reads.</exception>
    public static async Task<ConfigurationNode?> ReadAsync(
        ZooKeeperClient client, string path, Action<WatchedEvent>? watcher, Action? onRequest, ConfigurationNode? previous, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            onRequest?.Invoke();
            try
            {
                var data = await client.GetDataAsync(path, watcher, cancellationToken).ConfigureAwait(false);
                return new ConfigurationNode(NodeProperties.Parse(data.Data, previous?.Properties), data.Stat.IsEphemeral);
            }
            catch (NoNodeException)
            {
                onRequest?.Invoke();
                if (await client.ExistsAsync(path, watcher, cancellationToken).ConfigureAwait(false) is null)
                {
                    return null;
                }
                // Created between the two reads: read it again.
            }
        }
        throw new TreeChangedException(path);
    }
}

/// <summary>
/// The nodes that the configuration providers of one shared client have read, each read once and watched once with the
/// cache's own watcher, kept until its watch fires. Providers of the same path, or of trees that share nodes, then cost
/// one watch and one read per change of a node between them, and a pass after a change re-reads only the nodes that
/// changed: the rest come from here.
/// </summary>
/// <remarks>
/// <para>
/// A node's entry is dropped when its watch fires (data changed, created, deleted) and every entry when the session
/// expires, which took the watches with it; an entry whose watch has not fired is what the server holds, or a change is
/// on its way, and the pass that change starts reads it again. A reconnect within the session keeps the entries: the
/// client restores the watches and the server fires those of the nodes that changed meanwhile.
/// </para>
/// <para>
/// Concurrent reads of one node share one request. A read that failed (no connection) is read again by the next reader.
/// A watch event is passed on to the subscribed providers that read that node.
/// </para>
/// </remarks>
internal sealed class ConfigurationNodeCache
{
    private readonly ZooKeeperClient _client;
    private readonly Action<WatchedEvent> _watcher;
    private readonly Action _countRequest;
    private readonly object _lock = new();
    private readonly Dictionary<string, Task<ConfigurationNode?>> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<IReadOnlyList<string>?>> _children = new(StringComparer.Ordinal);
    // Entries dropped because their node changed, until it is read again: the new read takes the unchanged strings.
    private readonly Dictionary<string, ConfigurationNode> _previous = new(StringComparer.Ordinal);
    private Subscriber[] _subscribers = [];
    private long _reads;
    // The session the entries were read in (0 before the first read); the state event of another one is a new session.
    private long _knownSession;

    public ConfigurationNodeCache(ZooKeeperClient client)
    {
        _client = client;
        _watcher = OnWatch;
        _countRequest = () => Interlocked.Increment(ref _reads);
        // A new session has none of the old one's watches. Subscribed before any provider's own handler, so a provider
        // that reads again on a new session finds the entries gone.
        client.StateChanged += (_, e) =>
        {
            // The event of the session the entries were read in (the client's first connection, delivered after the
            // first reads) is not news: dropping them would only make every provider read its tree again.
            if (e.IsNewSession && Interlocked.Exchange(ref _knownSession, e.SessionId) != e.SessionId)
            {
                Clear();
            }
        };
    }

    /// <summary>Requests sent to ZooKeeper for this cache so far (for tests and traces).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>
    /// A provider's access to the cache: its reads go through the subscriber, which passes on the watch events of the
    /// nodes it read (on the client's dispatcher) until disposed.
    /// </summary>
    public Subscriber Subscribe(Action<WatchedEvent> listener)
    {
        var subscriber = new Subscriber(this, listener);
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscriber];
        }
        return subscriber;
    }

    /// <summary>The node's properties and stat, or null when it does not exist (watched for its creation then).</summary>
    /// <exception cref="ZooKeeperException">No connection.</exception>
    /// <exception cref="TreeChangedException">The node was deleted and created again between the reads, three times.</exception>
    public Task<ConfigurationNode?> GetNodeAsync(string path, CancellationToken cancellationToken) =>
        Shared(_nodes, path, static (c, p) => c.ReadNodeAsync(p)).WaitAsync(cancellationToken);

    /// <summary>The node's children, or null when it does not exist.</summary>
    /// <exception cref="ZooKeeperException">No connection.</exception>
    public Task<IReadOnlyList<string>?> GetChildrenAsync(string path, CancellationToken cancellationToken) =>
        Shared(_children, path, static (c, p) => c.ReadChildrenAsync(p)).WaitAsync(cancellationToken);

    /// <summary>The entry of <paramref name="path"/>, or a read started for it (not cancelled by any one caller).</summary>
    private Task<T> Shared<T>(Dictionary<string, Task<T>> entries, string path, Func<ConfigurationNodeCache, string, Task<T>> read)
    {
        lock (_lock)
        {
            // A read that failed (no connection) is no answer: the next reader reads again.
            if (entries.TryGetValue(path, out var existing) && !existing.IsFaulted && !existing.IsCanceled)
            {
                return existing;
            }
            if (_client.SessionId is var session and not 0)
            {
                // Read in this session: a state event of this session that comes later is not a new one.
                Volatile.Write(ref _knownSession, session);
            }
            // Started under the lock, so that readers that come meanwhile share it (starting only queues the request).
            // Its continuations run where the read completes, as those of a direct read do.
            var entry = read(this, path);
            entries[path] = entry;
            return entry;
        }
    }

    /// <summary>Starts the read of a node (under the lock).</summary>
    private Task<ConfigurationNode?> ReadNodeAsync(string path)
    {
        _previous.Remove(path, out var previous);
        return ConfigurationNode.ReadAsync(_client, path, _watcher, _countRequest, previous, CancellationToken.None);
    }

    private async Task<IReadOnlyList<string>?> ReadChildrenAsync(string path)
    {
        Interlocked.Increment(ref _reads);
        try
        {
            return (await _client.GetChildrenAsync(path, _watcher).ConfigureAwait(false)).Children;
        }
        catch (NoNodeException)
        {
            return null; // Its creation is watched by the node's own read (exists), which every pass makes first.
        }
    }

    /// <summary>The cache's watcher: drops what changed, then tells the subscribers (on the client's dispatcher).</summary>
    private void OnWatch(WatchedEvent e)
    {
        Subscriber[] subscribers;
        lock (_lock)
        {
            if (e.Type == WatchEventType.None)
            {
                if (e.IsWatchLost)
                {
                    // The session's watches are gone (expired, closed): nothing here is watched any more.
                    _nodes.Clear();
                    _children.Clear();
                    _previous.Clear();
                }
            }
            else if (e.Path is { } path)
            {
                if (e.Type is WatchEventType.NodeDataChanged or WatchEventType.NodeCreated or WatchEventType.NodeDeleted
                    && _nodes.Remove(path, out var dropped))
                {
                    if (e.Type == WatchEventType.NodeDataChanged && dropped.IsCompletedSuccessfully && dropped.Result is { } node)
                    {
                        _previous[path] = node;
                    }
                }
                if (e.Type is WatchEventType.NodeChildrenChanged or WatchEventType.NodeCreated or WatchEventType.NodeDeleted)
                {
                    _children.Remove(path);
                }
            }
            subscribers = _subscribers;
        }
        if (e.Path is { } changed)
        {
            foreach (var subscriber in subscribers)
            {
                subscriber.Deliver(changed, e);
            }
        }
    }

    /// <summary>Drops every entry (a new session: its watches are gone).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _nodes.Clear();
            _children.Clear();
            _previous.Clear();
        }
    }

    /// <summary>One provider's reads, and the nodes they touched (whose watch events it is told of).</summary>
    internal sealed class Subscriber(ConfigurationNodeCache cache, Action<WatchedEvent> listener) : IDisposable
    {
        // Every node this provider read, ever: noted before the read, so no change between the read and the note is missed.
        private readonly ConcurrentDictionary<string, byte> _paths = new(StringComparer.Ordinal);
        private int _disposed;

        /// <inheritdoc cref="ConfigurationNodeCache.GetNodeAsync"/>
        public Task<ConfigurationNode?> GetNodeAsync(string path, CancellationToken cancellationToken)
        {
            _paths.TryAdd(path, 0);
            return cache.GetNodeAsync(path, cancellationToken);
        }

        /// <inheritdoc cref="ConfigurationNodeCache.GetChildrenAsync"/>
        public Task<IReadOnlyList<string>?> GetChildrenAsync(string path, CancellationToken cancellationToken)
        {
            _paths.TryAdd(path, 0);
            return cache.GetChildrenAsync(path, cancellationToken);
        }

        internal void Deliver(string path, WatchedEvent e)
        {
            if (Volatile.Read(ref _disposed) == 0 && _paths.ContainsKey(path))
            {
                listener(e);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            lock (cache._lock)
            {
                cache._subscribers = [.. cache._subscribers.Where(s => !ReferenceEquals(s, this))];
            }
        }
    }
}
