using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// Resolves service names to their live endpoints in ZooKeeper; a service's endpoints are the live children of its path
/// (<see cref="GetServicePath"/>). Thread-safe. Registered as a singleton by <c>AddZooKeeperServiceDiscovery()</c>.
/// </summary>
/// <remarks>
/// A service asked for through this class, or configured in <see cref="ZooKeeperServiceDiscoveryOptions.Services"/>, is
/// watched from its first use until the resolver is disposed. A service that only Microsoft.Extensions.ServiceDiscovery
/// or ZkDiscovery's HttpClient handler asked for is watched while they use it, and stops being watched once unused for
/// <see cref="ZooKeeperServiceDiscoveryOptions.UnusedServiceTimeout"/>: every host name an HttpClient with service
/// discovery calls becomes such a service, and an app that calls many hosts would otherwise keep a watch for each.
/// </remarks>
public sealed partial class ZooKeeperServiceEndpointResolver : IAsyncDisposable
{
    private readonly ZooKeeperClient _client;
    private readonly ZooKeeperServiceDiscoveryOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ServiceEndpointWatcher> _watchers = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _createLock = new();
    // Paths of stopped services whose watches are being removed, under _createLock: a new watcher of one waits for it.
    private readonly Dictionary<string, Task> _stopping = new(StringComparer.Ordinal);
    private readonly ITimer? _sweeper;
    private volatile bool _disposed;

    internal ZooKeeperServiceEndpointResolver(ZooKeeperClient client, IOptions<ZooKeeperServiceDiscoveryOptions> options, ILoggerFactory loggerFactory, TimeProvider time, ZooKeeperHostingMetrics metrics)
    {
        _client = client;
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ZooKeeperServiceEndpointResolver>();
        _time = time;
        metrics.AddEndpointSource(ObserveEndpoints);
        var timeout = _options.UnusedServiceTimeout;
        if (timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            // Often enough that an unused service goes within about a fifth of the timeout after it (at least a second apart).
            var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 5, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
            _sweeper = time.CreateTimer(static state => ((ZooKeeperServiceEndpointResolver)state!).StopUnused(null), this, period, period);
        }
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

    /// <summary>The current snapshot of <paramref name="serviceName"/> if it is watched, without watching it or keeping it watched.</summary>
    internal ServiceEndpointSnapshot? PeekSnapshot(string serviceName) =>
        _watchers.TryGetValue(serviceName, out var watcher) ? watcher.Snapshot : null;

    /// <summary>The first load of <paramref name="serviceName"/> if it is watched (see <see cref="PeekSnapshot"/>).</summary>
    internal Task? PeekLoaded(string serviceName) =>
        _watchers.TryGetValue(serviceName, out var watcher) ? watcher.Loaded : null;

    /// <summary>
    /// The current endpoints of <paramref name="serviceName"/>; the first call for a service waits for the first load
    /// (at most <see cref="ZooKeeperServiceDiscoveryOptions.InitialLoadTimeout"/>, after which the snapshot, not loaded
    /// and stale, is returned as it is).
    /// </summary>
    /// <param name="serviceName">The service name.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <returns>The current snapshot.</returns>
    /// <exception cref="ObjectDisposedException">The resolver was disposed.</exception>
    public ValueTask<ServiceEndpointSnapshot> GetSnapshotAsync(string serviceName, CancellationToken cancellationToken = default) =>
        GetLoadedSnapshotAsync(GetWatcher(serviceName), cancellationToken);

    /// <summary>
    /// For ZkDiscovery's HttpClient handler: <see cref="GetSnapshotAsync(string, CancellationToken)"/>, but the service
    /// stops being watched once unused for <see cref="ZooKeeperServiceDiscoveryOptions.UnusedServiceTimeout"/>.
    /// </summary>
    internal ValueTask<ServiceEndpointSnapshot> GetSnapshotForRequestAsync(string serviceName, CancellationToken cancellationToken)
    {
        if (!_watchers.TryGetValue(serviceName, out var watcher))
        {
            var path = GetServicePath(serviceName);
            lock (_createLock)
            {
                watcher = GetOrCreateLocked(serviceName, path);
            }
        }
        watcher.Usage.Touch(_time);
        return GetLoadedSnapshotAsync(watcher, cancellationToken);
    }

    /// <summary>
    /// For a provider of Microsoft.Extensions.ServiceDiscovery: the watcher of <paramref name="serviceName"/>, kept
    /// watched until <see cref="Release"/> (and then for <see cref="ZooKeeperServiceDiscoveryOptions.UnusedServiceTimeout"/>).
    /// </summary>
    internal ServiceEndpointWatcher Lease(string serviceName)
    {
        var path = GetServicePath(serviceName);
        lock (_createLock)
        {
            var watcher = GetOrCreateLocked(serviceName, path);
            watcher.Usage.Leases++;
            return watcher;
        }
    }

    /// <summary>Ends a lease taken with <see cref="Lease"/>.</summary>
    internal void Release(ServiceEndpointWatcher watcher)
    {
        lock (_createLock)
        {
            if (--watcher.Usage.Leases == 0)
            {
                watcher.Usage.Touch(_time);
            }
        }
    }

    /// <summary>The snapshot of <paramref name="watcher"/>, after its first load (see <see cref="GetSnapshotAsync(string, CancellationToken)"/>).</summary>
    internal ValueTask<ServiceEndpointSnapshot> GetLoadedSnapshotAsync(ServiceEndpointWatcher watcher, CancellationToken cancellationToken) =>
        watcher.Loaded.IsCompleted ? new ValueTask<ServiceEndpointSnapshot>(watcher.Snapshot) : WaitAsync(watcher, cancellationToken);

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
        _sweeper?.Dispose();
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

    /// <summary>The watcher of <paramref name="serviceName"/>, watched from now on until the resolver is disposed.</summary>
    private ServiceEndpointWatcher GetWatcher(string serviceName)
    {
        if (_watchers.TryGetValue(serviceName, out var watcher) && watcher.Usage.IsPinned)
        {
            return watcher;
        }
        var path = GetServicePath(serviceName);
        lock (_createLock)
        {
            watcher = GetOrCreateLocked(serviceName, path);
            watcher.Usage.IsPinned = true;
            return watcher;
        }
    }

    /// <summary>The watcher of <paramref name="serviceName"/>, started now if there is none. Under <see cref="_createLock"/>.</summary>
    private ServiceEndpointWatcher GetOrCreateLocked(string serviceName, string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_watchers.TryGetValue(serviceName, out var watcher))
        {
            watcher = new ServiceEndpointWatcher(_client, serviceName, path, _loggerFactory, _time);
            watcher.Usage.IsPinned = _options.Services.ContainsKey(serviceName);
            watcher.Usage.Touch(_time);
            _watchers[serviceName] = watcher;
            watcher.Start(_stopping.GetValueOrDefault(path));
        }
        return watcher;
    }

    /// <summary>
    /// Stops watching the services that nobody keeps watched (see the remarks) and that were unused for
    /// <paramref name="unusedFor"/> (by default <see cref="ZooKeeperServiceDiscoveryOptions.UnusedServiceTimeout"/>). Runs
    /// on a timer; tests call it.
    /// </summary>
    internal void StopUnused(TimeSpan? unusedFor = null)
    {
        var timeout = unusedFor ?? _options.UnusedServiceTimeout;
        List<(ServiceEndpointWatcher Watcher, TaskCompletionSource Stopped)>? unused = null;
        lock (_createLock)
        {
            if (_disposed || timeout == System.Threading.Timeout.InfiniteTimeSpan)
            {
                return;
            }
            foreach (var (name, watcher) in _watchers)
            {
                if (watcher.Usage.IsUnused(_time, timeout))
                {
                    _watchers.TryRemove(name, out _);
                    var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _stopping[watcher.ServicePath] = stopped.Task;
                    (unused ??= []).Add((watcher, stopped));
                }
            }
        }
        foreach (var (watcher, stopped) in unused ?? [])
        {
            Log.StoppedUnused(_logger, watcher.ServiceName, watcher.ServicePath, timeout);
            _ = StopAsync(watcher, stopped);
        }
    }

    private async Task StopAsync(ServiceEndpointWatcher watcher, TaskCompletionSource stopped)
    {
        try
        {
            await watcher.DisposeAsync().ConfigureAwait(false);
            watcher.Retire();
        }
#pragma warning disable CA1031 // Nothing awaits this task: the failure is logged instead.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // Its watches go with the session at the latest.
            Log.StopUnusedFailed(_logger, watcher.ServiceName, watcher.ServicePath, ex);
        }
        finally
        {
            lock (_createLock)
            {
                if (_stopping.TryGetValue(watcher.ServicePath, out var current) && current == stopped.Task)
                {
                    _stopping.Remove(watcher.ServicePath);
                }
            }
            stopped.TrySetResult();
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

    private static partial class Log
    {
        [LoggerMessage(EventId = HostingEventIds.DiscoveryStoppedUnused, Level = LogLevel.Debug, Message = "Stopped watching service {ServiceName} at {ServicePath}: unused for {UnusedServiceTimeout}.")]
        public static partial void StoppedUnused(ILogger logger, string serviceName, string servicePath, TimeSpan unusedServiceTimeout);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryStopUnusedFailed, Level = LogLevel.Warning, Message = "Stopping the watch of unused service {ServiceName} at {ServicePath} failed; its watches end with the session.")]
        public static partial void StopUnusedFailed(ILogger logger, string serviceName, string servicePath, Exception exception);
    }
}
