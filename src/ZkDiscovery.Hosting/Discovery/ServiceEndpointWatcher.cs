using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// The live endpoints of one service: the live children of its path (links followed), each child's data read once
/// and re-read only when it changes (one <see cref="LiveProperties"/> per child), published as immutable snapshots
/// whose change token is cancelled on every change. No polling: watches and connection state events drive it.
/// </summary>
/// <remarks>
/// One loop per service does all the work, so snapshots are built one at a time and in order. While the client is
/// disconnected the last list is kept and marked stale; after a reconnect the views re-arm their watches (or re-read
/// after an expiry) and the list converges.
/// </remarks>
internal sealed partial class ServiceEndpointWatcher : IAsyncDisposable
{
    private static readonly object s_signal = new();

    private readonly ZooKeeperClient _client;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<object> _work = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, Child> _children = new(StringComparer.Ordinal);
    private CancellationTokenSource _changeSource = new();
    private ServiceEndpointSnapshot _snapshot;
    private LiveChildren? _view;
    private IDisposable? _viewSubscription;
    private Task _loop = Task.CompletedTask;
    private int _signalPending;

    public ServiceEndpointWatcher(ZooKeeperClient client, string serviceName, string servicePath, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _client = client;
        ServiceName = serviceName;
        ServicePath = servicePath;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ServiceEndpointWatcher>();
        _time = time;
        _snapshot = new ServiceEndpointSnapshot(serviceName, servicePath, [], false, true, new CancellationChangeToken(_changeSource.Token), time.GetUtcNow());
    }

    public string ServiceName { get; }

    public string ServicePath { get; }

    public ServiceEndpointSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Completes once the service path was read for the first time (with its endpoints, or none).</summary>
    public Task Loaded => _loaded.Task;

    public void Start()
    {
        _client.StateChanged += OnStateChanged;
        // No ExecutionContext flows into the long-lived loop.
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(() => RunAsync(_stop.Token));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        _client.StateChanged -= OnStateChanged;
        _work.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await CloseViewAsync().ConfigureAwait(false);
        _loaded.TrySetCanceled();
    }

    private void Signal()
    {
        if (Interlocked.Exchange(ref _signalPending, 1) == 0)
        {
            _work.Writer.TryWrite(s_signal);
        }
    }

    private void OnStateChanged(object? sender, ConnectionStateChangedEventArgs e) => Signal();

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await OpenViewAsync(cancellationToken).ConfigureAwait(false);
                Log.Started(_logger, ServiceName, ServicePath, _view!.RealPath);
                while (await _work.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    _work.Reader.TryRead(out _);
                    Interlocked.Exchange(ref _signalPending, 0);
                    await RefreshAsync(cancellationToken).ConfigureAwait(false);
                    if (_view!.IsDeleted)
                    {
                        Log.Missing(_logger, ServiceName, ServicePath);
                        await CloseViewAsync().ConfigureAwait(false);
                        Publish();
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>Starts the live view of the service path, waiting for ZooKeeper and for the path to exist.</summary>
    private async Task OpenViewAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var view = await LiveChildren.StartAsync(_client, ServicePath, _loggerFactory, cancellationToken).ConfigureAwait(false);
                _view = view;
                _viewSubscription = view.Subscribe(_ => Signal());
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NoNodeException)
            {
                // No provider ever registered: an empty (loaded) list, and a watch for the path's creation.
                Publish();
                NodeStat? stat;
                try
                {
                    stat = await _client.ExistsAsync(ServicePath, e => { if (e.Type == WatchEventType.NodeCreated) { Signal(); } }, cancellationToken).ConfigureAwait(false);
                }
                catch (ZooKeeperException)
                {
                    stat = null; // Not connected: the next Connected state wakes us.
                }
                if (stat is null)
                {
                    Log.Missing(_logger, ServiceName, ServicePath);
                    await WaitForSignalAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is ZooKeeperException or NodeLinkException)
            {
                // Connection loss before the first read, a link loop, a denied read: wait for the next state change or watch.
                Log.LoadFailed(_logger, ServiceName, ServicePath, ex.Message);
                Publish();
                await WaitForSignalAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WaitForSignalAsync(CancellationToken cancellationToken)
    {
        await _work.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _signalPending, 0);
    }

    /// <summary>How many new children are first read at once.</summary>
    private const int NewChildrenInFlight = 256;

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var view = _view!;
        var names = view.Children;
        // Removed children: stop watching them.
        foreach (var name in _children.Keys.Where(n => !names.Contains(n, StringComparer.Ordinal)).ToList())
        {
            var gone = _children[name];
            _children.Remove(name);
            await gone.DisposeAsync().ConfigureAwait(false);
        }
        // New children: read once, then watch. The first reads go out together (pipelined on the client's one
        // socket), a bounded number at a time, so a thousand new providers cost a few round trips, not a thousand.
        var added = names.Where(name => !_children.ContainsKey(name)).ToList();
        foreach (var batch in added.Chunk(NewChildrenInFlight))
        {
            var starts = batch.Select(name => LiveProperties.StartAsync(_client, ZooKeeperPath.Combine(view.RealPath, name), _loggerFactory, cancellationToken)).ToArray();
            await ((Task)Task.WhenAll(starts)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var retry = false;
            Exception? canceled = null;
            for (var i = 0; i < starts.Length; i++)
            {
                var start = starts[i];
                if (start.IsCompletedSuccessfully)
                {
                    var child = new Child(batch[i], start.Result);
                    child.Subscription = start.Result.Subscribe(_ => Signal());
                    _children.Add(batch[i], child);
                    continue;
                }
                switch (start.Exception?.InnerException)
                {
                    case NoNodeException:
                        // Gone meanwhile: the children watch fires.
                        break;
                    case ZooKeeperException ex:
                        // Disconnected: the next Connected state (or watch) reads again.
                        if (!retry)
                        {
                            Log.LoadFailed(_logger, ServiceName, ServicePath, ex.Message);
                        }
                        retry = true;
                        break;
                    case NodeLinkException ex:
                        Log.LoadFailed(_logger, ServiceName, ServicePath, ex.Message);
                        break;
                    default:
                        canceled ??= start.Exception?.InnerException ?? new OperationCanceledException(cancellationToken);
                        break;
                }
            }
            if (canceled is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(canceled);
            }
            if (retry)
            {
                Signal();
                break;
            }
        }
        Publish();
    }

    /// <summary>Builds the snapshot from the current children; swaps it in and fires the old token when it differs.</summary>
    private void Publish()
    {
        var previous = Snapshot;
        var builder = ImmutableArray.CreateBuilder<ZooKeeperServiceEndpoint>(_children.Count);
        foreach (var name in _view?.Children ?? [])
        {
            if (!_children.TryGetValue(name, out var child) || child.Properties.IsDeleted)
            {
                continue;
            }
            var properties = child.Properties.Properties;
            if (child.Endpoint is { } existing && ReferenceEquals(child.EndpointProperties, properties))
            {
                builder.Add(existing);
                continue;
            }
            if (TryCreateEndpoint(child.Properties.RealPath, name, properties, out var endpoint))
            {
                if (child.Endpoint is { } old)
                {
                    endpoint.InheritLoad(old);
                }
                child.Endpoint = endpoint;
                child.EndpointProperties = properties;
                builder.Add(endpoint);
            }
            else
            {
                Log.BadEndpoint(_logger, name, ServicePath);
            }
        }
        var endpoints = builder.Count == builder.Capacity ? builder.MoveToImmutable() : builder.ToImmutable();
        var isStale = _client.State is not (ConnectionState.Connected or ConnectionState.ConnectedReadOnly);
        var same = previous.IsLoaded && previous.IsStale == isStale && previous.Endpoints.Length == endpoints.Length
            && previous.Endpoints.AsSpan().SequenceEqual(endpoints.AsSpan());
        if (!same)
        {
            var oldSource = _changeSource;
            _changeSource = new CancellationTokenSource();
            var snapshot = new ServiceEndpointSnapshot(ServiceName, ServicePath, endpoints, true, isStale, new CancellationChangeToken(_changeSource.Token), _time.GetUtcNow());
            Volatile.Write(ref _snapshot, snapshot);
            Log.Changed(_logger, ServiceName, ServicePath, endpoints.Length, isStale);
            // Consumers' callbacks run here, on this service's loop, after the new snapshot is visible.
            oldSource.Cancel();
        }
        _loaded.TrySetResult();
    }

    internal static bool TryCreateEndpoint(string path, string name, NodeProperties properties, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZooKeeperServiceEndpoint? endpoint)
    {
        endpoint = null;
        Uri? uri = null;
        if (properties.TryGetValue("uri", out var uriValue) && uriValue is JsonValue u && u.TryGetValue<string>(out var uriText)
            && Uri.TryCreate(uriText, UriKind.Absolute, out var parsed) && !string.IsNullOrEmpty(parsed.Host))
        {
            uri = parsed;
        }
        if (uri is null)
        {
            var scheme = properties.TryGetValue("scheme", out var s) && s is JsonValue sv && sv.TryGetValue<string>(out var schemeText) && !string.IsNullOrWhiteSpace(schemeText)
                ? schemeText.Trim()
                : "http";
            var colon = name.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(name.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                return false;
            }
            if (!Uri.TryCreate($"{scheme}://{name}/", UriKind.Absolute, out uri))
            {
                return false;
            }
        }
        endpoint = new ZooKeeperServiceEndpoint(path, name, uri, properties);
        return true;
    }

    private async Task CloseViewAsync()
    {
        foreach (var child in _children.Values)
        {
            await child.DisposeAsync().ConfigureAwait(false);
        }
        _children.Clear();
        _viewSubscription?.Dispose();
        _viewSubscription = null;
        if (_view is { } view)
        {
            _view = null;
            await view.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Child(string name, LiveProperties properties) : IAsyncDisposable
    {
        public string Name { get; } = name;

        public LiveProperties Properties { get; } = properties;

        public IDisposable? Subscription { get; set; }

        public ZooKeeperServiceEndpoint? Endpoint { get; set; }

        public NodeProperties? EndpointProperties { get; set; }

        public ValueTask DisposeAsync()
        {
            Subscription?.Dispose();
            return Properties.DisposeAsync();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HostingEventIds.DiscoveryStarted, Level = LogLevel.Debug, Message = "Watching the endpoints of {ServiceName} at {ServicePath} (real path {RealPath}).")]
        public static partial void Started(ILogger logger, string serviceName, string servicePath, string realPath);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryServiceMissing, Level = LogLevel.Information, Message = "{ServicePath} (service {ServiceName}) does not exist: no endpoints until it is created.")]
        public static partial void Missing(ILogger logger, string serviceName, string servicePath);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryChanged, Level = LogLevel.Debug, Message = "Service {ServiceName} at {ServicePath}: {Count} endpoint(s), stale={IsStale}.")]
        public static partial void Changed(ILogger logger, string serviceName, string servicePath, int count, bool isStale);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryBadEndpoint, Level = LogLevel.Warning, Message = "Ignoring {Name} under {ServicePath}: neither a usable uri property nor a HOST:PORT name.")]
        public static partial void BadEndpoint(ILogger logger, string name, string servicePath);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryLoadFailed, Level = LogLevel.Information, Message = "Reading the endpoints of {ServiceName} at {ServicePath} failed; keeping the last list until ZooKeeper is back: {Reason}")]
        public static partial void LoadFailed(ILogger logger, string serviceName, string servicePath, string reason);
    }
}
