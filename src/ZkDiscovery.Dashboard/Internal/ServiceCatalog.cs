using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Dashboard.Internal;

/// <summary>
/// The services the dashboard shows: those the app's resolver discovers (configured or used), the app's own
/// registration, and the services under the configured roots. Each is watched (the resolver's watcher, or one of the
/// same kind owned here); every snapshot change marks the services topic changed. Thread-safe.
/// </summary>
internal sealed partial class ServiceCatalog : IAsyncDisposable
{
    // The change token of a service no longer watched: it never changes (the name is dropped at the next look).
    private static readonly IChangeToken s_never = new CancellationChangeToken(CancellationToken.None);

    private readonly ZooKeeperClient _client;
    private readonly ZooKeeperServiceEndpointResolver? _resolver;
    private readonly IEnumerable<string> _configuredNames;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Action _changed;
    private readonly object _lock = new();
    // The resolver's services the catalogue follows, by name, with their change subscriptions.
    private readonly Dictionary<string, Followed> _subscribedNames = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Owned> _owned = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _subscriptions = [];
    private readonly List<LiveChildren> _roots = [];
    private readonly SemaphoreSlim _scanLock = new(1, 1);
    private bool _disposed;

    public ServiceCatalog(ZooKeeperClient client, ZooKeeperServiceEndpointResolver? resolver, IEnumerable<string> configuredNames,
        ILoggerFactory loggerFactory, TimeProvider time, Action changed)
    {
        _client = client;
        _resolver = resolver;
        _configuredNames = configuredNames;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("ZkDiscovery.Dashboard");
        _time = time;
        _changed = changed;
    }

    /// <summary>
    /// Watches a service by path (the app's registration, a service under a root); a no-op when that path is watched
    /// already. Returns the watcher's first load.
    /// </summary>
    public Task Add(string name, string path, string source)
    {
        ServiceEndpointWatcher watcher;
        lock (_lock)
        {
            if (_disposed)
            {
                return Task.CompletedTask;
            }
            if (_owned.TryGetValue(path, out var existing))
            {
                return existing.Watcher.Loaded;
            }
            watcher = new ServiceEndpointWatcher(_client, name, path, _loggerFactory, _time);
            _owned[path] = new Owned(watcher, source);
            _subscriptions.Add(ChangeToken.OnChange(() => watcher.Snapshot.ChangeToken, _changed));
            watcher.Start();
        }
        _changed();
        return watcher.Loaded;
    }

    /// <summary>
    /// Starts watching the children of each root; services appear and go as the roots change. A root that does not
    /// exist yet is watched until it is created.
    /// </summary>
    public async Task AddRootsAsync(IEnumerable<string> roots, CancellationToken cancellationToken)
    {
        foreach (var root in roots)
        {
            await AddRootAsync(NodeLinks.NormalizePath(root), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AddRootAsync(string root, CancellationToken cancellationToken)
    {
        LiveChildren view;
        try
        {
            view = await LiveChildren.StartAsync(_client, root, _loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
            // Not there yet: come back when it is created (the watch fires on the client's dispatcher: leave it at once).
            try
            {
                var stat = await _client.ExistsAsync(root, created => Task.Run(() => AddRootAsync(root, CancellationToken.None)), cancellationToken).ConfigureAwait(false);
                if (stat is not null)
                {
                    await AddRootAsync(root, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException or OperationCanceledException)
            {
                Log.RootFailed(_logger, root, ex);
            }
            return;
        }
        catch (Exception ex) when (ex is ZooKeeperException or NodeLinkException or ObjectDisposedException or OperationCanceledException)
        {
            Log.RootFailed(_logger, root, ex);
            return;
        }
        lock (_lock)
        {
            if (_disposed)
            {
                _ = view.DisposeAsync().AsTask();
                return;
            }
            _roots.Add(view);
        }
        // The first scan before the first answer, so the page starts with the root's services loaded.
        await ScanRootAsync(view).ConfigureAwait(false);
        // The callback runs on the view's loop: start the scan elsewhere and return.
        var subscription = view.Subscribe(v => _ = Task.Run(() => ScanRootAsync(v)));
        lock (_lock)
        {
            _subscriptions.Add(subscription);
        }
    }

    private async Task ScanRootAsync(LiveChildren root)
    {
        await _scanLock.WaitAsync().ConfigureAwait(false);
        var loads = new List<Task>();
        try
        {
            var rootPath = root.RealPath;
            foreach (var child in root.Children.Order(StringComparer.Ordinal))
            {
                if (rootPath == "/" && child == "zookeeper")
                {
                    continue;
                }
                var servicePath = ZooKeeperPath.Combine(rootPath, child);
                var providers = ZooKeeperPath.Combine(servicePath, "providers");
                if (await _client.ExistsAsync(providers).ConfigureAwait(false) is not null)
                {
                    loads.Add(Add(child, providers, "root"));
                }
                else if (rootPath != "/")
                {
                    loads.Add(Add(child, servicePath, "root"));
                }
            }
            await Task.WhenAll(loads).WaitAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Slow first loads: their instances arrive over the live feed.
        }
        catch (ZooKeeperException ex)
        {
            Log.RootScanFailed(_logger, root.Path, ex);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            _scanLock.Release();
        }
    }

    /// <summary>
    /// Follows the services of the resolver: the configured ones and those it watches. Names it started watching are
    /// subscribed to; names it stopped watching (unused; see <see cref="ZooKeeperServiceDiscoveryOptions.UnusedServiceTimeout"/>)
    /// are dropped, so that they are followed again if they come back. The catalogue never keeps a service watched
    /// that the app stopped using. True when the set of services changed.
    /// </summary>
    public bool SubscribeNewResolverNames()
    {
        if (_resolver is not { } resolver)
        {
            return false;
        }
        var watched = resolver.GetWatchedServiceNames();
        var changed = false;
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }
            List<string>? stopped = null;
            foreach (var (name, followed) in _subscribedNames)
            {
                // Stopped, or stopped and watched anew since the last look (a new watcher, whose changes it must follow).
                if (!resolver.IsConfigured(name)
                    && (!watched.Contains(name, StringComparer.OrdinalIgnoreCase) || resolver.PeekLoaded(name) != followed.Watcher))
                {
                    (stopped ??= []).Add(name);
                }
            }
            foreach (var name in stopped ?? [])
            {
                _subscribedNames.Remove(name, out var followed);
                followed!.Subscription.Dispose();
                changed = true;
            }
            foreach (var name in _configuredNames.Concat(watched))
            {
                if (_subscribedNames.ContainsKey(name))
                {
                    continue;
                }
                Followed followed;
                try
                {
                    // A configured service is watched for good anyway; any other is only looked at, never kept watched.
                    followed = resolver.IsConfigured(name)
                        ? new(ChangeToken.OnChange(() => resolver.GetSnapshot(name).ChangeToken, _changed), null)
                        : new(ChangeToken.OnChange(() => resolver.PeekSnapshot(name)?.ChangeToken ?? s_never, _changed), resolver.PeekLoaded(name));
                }
                catch (ArgumentException)
                {
                    followed = new(NoSubscription.Instance, null); // Not a name a service can have: listed once, never again.
                }
                _subscribedNames.Add(name, followed);
                changed = true;
            }
        }
        return changed;
    }

    /// <summary>
    /// The services, as <see cref="List"/>, after waiting for the first load of each (bounded by the resolver's
    /// initial load timeout and five seconds for the others): what a page asking for the first time should see.
    /// </summary>
    public async Task<List<ServiceDto>> ListLoadedAsync(CancellationToken cancellationToken)
    {
        SubscribeNewResolverNames();
        string[] names;
        List<Task> loads;
        lock (_lock)
        {
            names = [.. _subscribedNames.Keys];
            loads = [.. _owned.Values.Select(static o => o.Watcher.Loaded)];
        }
        foreach (var name in names)
        {
            try
            {
                if (_resolver!.IsConfigured(name))
                {
                    await _resolver.GetSnapshotAsync(name, cancellationToken).ConfigureAwait(false);
                }
                else if (_resolver.PeekLoaded(name) is { } loaded)
                {
                    loads.Add(loaded);
                }
            }
            catch (Exception ex) when (ex is ArgumentException or ObjectDisposedException)
            {
            }
        }
        try
        {
            await Task.WhenAll(loads).WaitAsync(TimeSpan.FromSeconds(5), _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Not loaded in time (or stopping): the list shows them as loading; the live feed brings the rest.
        }
        return List();
    }

    /// <summary>The services now, by name, each with its live instances.</summary>
    public List<ServiceDto> List()
    {
        SubscribeNewResolverNames();
        var result = new List<ServiceDto>();
        var paths = new HashSet<string>(StringComparer.Ordinal);
        string[] names;
        lock (_lock)
        {
            names = [.. _subscribedNames.Keys];
        }
        foreach (var name in names)
        {
            ServiceEndpointSnapshot? snapshot;
            try
            {
                snapshot = _resolver!.IsConfigured(name) ? _resolver.GetSnapshot(name) : _resolver.PeekSnapshot(name);
            }
            catch (Exception ex) when (ex is ArgumentException or ObjectDisposedException)
            {
                continue;
            }
            if (snapshot is null)
            {
                continue; // No longer watched: dropped at the next look at the resolver's names.
            }
            if (paths.Add(snapshot.ServicePath))
            {
                result.Add(ToDto(snapshot, "discovery"));
            }
        }
        KeyValuePair<string, Owned>[] owned;
        lock (_lock)
        {
            owned = [.. _owned];
        }
        foreach (var (path, entry) in owned)
        {
            if (paths.Add(path))
            {
                result.Add(ToDto(entry.Watcher.Snapshot, entry.Source));
            }
        }
        result.Sort(static (a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase) is var c && c != 0 ? c : string.CompareOrdinal(a.Path, b.Path));
        return result;
    }

    private static ServiceDto ToDto(ServiceEndpointSnapshot snapshot, string source) => new(
        snapshot.ServiceName,
        snapshot.ServicePath,
        source,
        snapshot.IsLoaded,
        snapshot.PathExists,
        snapshot.IsStale,
        snapshot.Updated,
        [.. snapshot.Endpoints.Select(ToDto)]);

    private static InstanceDto ToDto(ZooKeeperServiceEndpoint endpoint)
    {
        var properties = endpoint.Properties;
        var curator = endpoint.CuratorInstance;
        return new InstanceDto(
            endpoint.Name,
            endpoint.Path,
            endpoint.Uri.ToString(),
            endpoint.EndPoint switch
            {
                System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
                System.Net.IPEndPoint ip => ip.ToString(),
                _ => curator?.Address is { } address ? $"{address}:{curator.Port ?? curator.SslPort}" : endpoint.Name,
            },
            Scalar(properties, NodePropertyNames.Pid),
            Scalar(properties, "version"),
            endpoint.RegisteredAt,
            endpoint.Layout == Hosting.Registration.ZooKeeperRegistrationLayout.Curator ? "curator" : "zc.zk",
            endpoint.IsStale,
            System.Text.Json.JsonDocument.Parse(properties.ToBytes()).RootElement.Clone());
    }

    private static string? Scalar(NodeProperties properties, string name) =>
        properties.TryGetValue(name, out var value) && value is System.Text.Json.Nodes.JsonValue v
            ? (v.TryGetValue<string>(out var s) ? s : v.ToJsonString())
            : null;

    public async ValueTask DisposeAsync()
    {
        Owned[] owned;
        LiveChildren[] roots;
        IDisposable[] subscriptions;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            owned = [.. _owned.Values];
            roots = [.. _roots];
            subscriptions = [.. _subscriptions, .. _subscribedNames.Values.Select(static f => f.Subscription)];
            _owned.Clear();
            _roots.Clear();
            _subscriptions.Clear();
            _subscribedNames.Clear();
        }
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }
        foreach (var root in roots)
        {
            await root.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var entry in owned)
        {
            await entry.Watcher.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed record Owned(ServiceEndpointWatcher Watcher, string Source);

    /// <summary>A service of the resolver the catalogue follows: its subscription, and which watcher it found (its first load), if not configured.</summary>
    private sealed record Followed(IDisposable Subscription, Task? Watcher);

    private sealed class NoSubscription : IDisposable
    {
        public static NoSubscription Instance { get; } = new();

        public void Dispose()
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "Scanning the service root {Root} failed; it is scanned again at its next change.")]
        public static partial void RootScanFailed(ILogger logger, string root, Exception exception);

        [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "The dashboard cannot watch the service root {Root}; its services are not listed.")]
        public static partial void RootFailed(ILogger logger, string root, Exception exception);
    }
}
