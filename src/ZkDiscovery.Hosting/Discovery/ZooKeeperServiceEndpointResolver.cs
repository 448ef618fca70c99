using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// Resolves service names to their live endpoints in ZooKeeper. A service is watched from its first use until the
/// resolver is disposed; its endpoints are the live children of its path (<see cref="GetServicePath"/>). Thread-safe.
/// Registered as a singleton by <c>AddZooKeeperServiceDiscovery()</c>.
/// </summary>
public sealed class ZooKeeperServiceEndpointResolver : IAsyncDisposable
{
    private readonly ZooKeeperClient _client;
    private readonly ZooKeeperServiceDiscoveryOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ServiceEndpointWatcher> _watchers = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _createLock = new();
    private volatile bool _disposed;

    internal ZooKeeperServiceEndpointResolver(ZooKeeperClient client, IOptions<ZooKeeperServiceDiscoveryOptions> options, ILoggerFactory loggerFactory, TimeProvider time, ZooKeeperHostingMetrics metrics)
    {
        _client = client;
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _time = time;
        metrics.AddEndpointSource(ObserveEndpoints);
    }

    /// <summary>The path whose children are the endpoints of <paramref name="serviceName"/>.</summary>
    /// <param name="serviceName">The service name, e.g. <c>fooservice</c>.</param>
    /// <returns>The path from <see cref="ZooKeeperServiceDiscoveryOptions.Services"/>, else from <see cref="ZooKeeperServiceDiscoveryOptions.ServicePathFormat"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="serviceName"/> is empty or makes an invalid path.</exception>
    public string GetServicePath(string serviceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        var path = _options.Services.TryGetValue(serviceName, out var configured)
            ? configured
            : string.Format(CultureInfo.InvariantCulture, _options.ServicePathFormat, serviceName);
        ZooKeeperPath.Validate(path);
        return path;
    }

    /// <summary>The path of <paramref name="serviceName"/> as <see cref="GetServicePath"/> gives it; false when the name makes no valid path.</summary>
    internal bool TryGetServicePath(string serviceName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? path)
    {
        try
        {
            path = GetServicePath(serviceName);
            return true;
        }
        catch (ArgumentException)
        {
            path = null;
            return false;
        }
    }

    /// <summary>The names of the services watched so far (configured or asked for), for the dashboard.</summary>
    internal string[] GetWatchedServiceNames() => [.. _watchers.Keys];

    /// <summary>True when <paramref name="serviceName"/> has its own entry in <see cref="ZooKeeperServiceDiscoveryOptions.Services"/>.</summary>
    internal bool IsConfigured(string serviceName) => _options.Services.ContainsKey(serviceName);

    /// <summary>
    /// The current endpoints of <paramref name="serviceName"/>, without waiting: lock-free and allocation-free once the
    /// service is watched. The first call starts watching and returns a snapshot that is not loaded yet
    /// (<see cref="ServiceEndpointSnapshot.IsLoaded"/> false); its change token fires when the first load completes.
    /// </summary>
    /// <param name="serviceName">The service name.</param>
    /// <returns>The current snapshot.</returns>
    /// <exception cref="ObjectDisposedException">The resolver was disposed.</exception>
    public ServiceEndpointSnapshot GetSnapshot(string serviceName) => GetWatcher(serviceName).Snapshot;

    /// <summary>
    /// The current endpoints of <paramref name="serviceName"/>; the first call for a service waits for the first load
    /// (at most <see cref="ZooKeeperServiceDiscoveryOptions.InitialLoadTimeout"/>, after which the snapshot, not loaded
    /// and stale, is returned as it is).
    /// </summary>
    /// <param name="serviceName">The service name.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <returns>The current snapshot.</returns>
    /// <exception cref="ObjectDisposedException">The resolver was disposed.</exception>
    public ValueTask<ServiceEndpointSnapshot> GetSnapshotAsync(string serviceName, CancellationToken cancellationToken = default)
    {
        var watcher = GetWatcher(serviceName);
        return watcher.Loaded.IsCompleted ? new ValueTask<ServiceEndpointSnapshot>(watcher.Snapshot) : WaitAsync(watcher, cancellationToken);
    }

    /// <summary>
    /// The current endpoints of <paramref name="serviceName"/> as Microsoft.Extensions.ServiceDiscovery's
    /// <see cref="ServiceEndpointSource"/>; see <see cref="GetSnapshotAsync"/>.
    /// </summary>
    /// <param name="serviceName">The service name.</param>
    /// <param name="cancellationToken">Abandons the wait for the first load.</param>
    /// <returns>The endpoints and a change token.</returns>
    public async ValueTask<ServiceEndpointSource> GetEndpointsAsync(string serviceName, CancellationToken cancellationToken = default) =>
        (await GetSnapshotAsync(serviceName, cancellationToken).ConfigureAwait(false)).ToSource();

    /// <summary>Stops watching every service. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_createLock)
        {
            _disposed = true;
        }
        foreach (var watcher in _watchers.Values)
        {
            await watcher.DisposeAsync().ConfigureAwait(false);
        }
        _watchers.Clear();
    }

    private async ValueTask<ServiceEndpointSnapshot> WaitAsync(ServiceEndpointWatcher watcher, CancellationToken cancellationToken)
    {
        try
        {
            await watcher.Loaded.WaitAsync(_options.InitialLoadTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Not loaded in time (ZooKeeper unreachable): the caller sees an empty, stale snapshot.
        }
        return watcher.Snapshot;
    }

    private ServiceEndpointWatcher GetWatcher(string serviceName)
    {
        if (_watchers.TryGetValue(serviceName, out var watcher))
        {
            return watcher;
        }
        var path = GetServicePath(serviceName);
        lock (_createLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_watchers.TryGetValue(serviceName, out watcher))
            {
                watcher = new ServiceEndpointWatcher(_client, serviceName, path, _loggerFactory, _time);
                _watchers[serviceName] = watcher;
                watcher.Start();
            }
            return watcher;
        }
    }

    private IEnumerable<Measurement<int>> ObserveEndpoints()
    {
        foreach (var watcher in _watchers.Values)
        {
            var snapshot = watcher.Snapshot;
            yield return new Measurement<int>(snapshot.Count,
                new KeyValuePair<string, object?>("zookeeper.service.name", snapshot.ServiceName),
                new KeyValuePair<string, object?>("zookeeper.service.path", snapshot.ServicePath));
        }
    }
}
