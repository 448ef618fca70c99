using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Connection;

namespace ZkDiscovery.Nodes;

/// <summary>What one read of a live view found.</summary>
internal enum LiveReadStatus
{
    /// <summary>The path resolved; the value was read.</summary>
    Resolved,

    /// <summary>The path does not resolve to a node any more.</summary>
    NotFound,

    /// <summary>The tree changed under the read; another read has been requested.</summary>
    Retry,
}

/// <summary>The outcome of one read of a live view.</summary>
internal readonly record struct LiveReadResult<TValue>(LiveReadStatus Status, string? RealPath, TValue? Value)
{
    public static LiveReadResult<TValue> NotFound => new(LiveReadStatus.NotFound, null, default);

    public static LiveReadResult<TValue> Retry => new(LiveReadStatus.Retry, null, default);

    public static LiveReadResult<TValue> Resolved(string realPath, TValue value) => new(LiveReadStatus.Resolved, realPath, value);
}

/// <summary>The state of a live view at one moment; replaced as a whole, never changed.</summary>
internal sealed record LiveSnapshot<TValue>(string RealPath, TValue Value, bool IsDeleted);

/// <summary>
/// The machinery shared by the live views: one async loop per view that re-reads the node (through symbolic and
/// property links) whenever a watch fires or a new session starts, compares with the last value and tells the
/// subscribers, one at a time and in order, only when something changed.
/// </summary>
/// <remarks>
/// <para>
/// Every node a read touches is read with this view's watcher (a missing node gets an exists watch), so any change
/// that could alter the result — the node, the link properties on the way, the targets of property links — fires a
/// watch. Watch callbacks and state events only set a flag and signal the view's <see cref="CoalescingLoop"/>; a watch
/// event starts the pass on the dispatcher (<see cref="CoalescingLoop.SignalInline"/>) up to its read, whose reply
/// resumes it on the reader thread anyway. Signals coalesce; the flag is cleared before a read starts, so a change during
/// a read causes one more read.
/// </para>
/// <para>
/// The loop owns <see cref="_watched"/> and the warning bookkeeping; only it reads and writes them (and
/// <see cref="StartAsync"/>, before the loop exists).
/// </para>
/// </remarks>
internal sealed partial class LiveViewCore<TView, TValue> : IAsyncDisposable
    where TView : class
{
    private readonly ZooKeeperClient _client;
    private readonly ILogger _logger;
    private readonly Func<LiveReadContext, CancellationToken, Task<LiveReadResult<TValue>>> _read;
    private readonly IEqualityComparer<TValue> _comparer;
    private readonly TValue _emptyValue;
    private readonly Action<WatchedEvent> _watcher;
    private readonly CoalescingLoop _loop;
    // Subscribers waiting for their first call, which goes through the loop so that it is ordered with the notifications.
    private readonly ConcurrentQueue<Subscription> _newSubscriptions = new();
    private readonly object _lock = new();
    private readonly List<Subscription> _subscriptions = [];
    private readonly Dictionary<string, long> _dataWarnings = new(StringComparer.Ordinal);
    private HashSet<string> _linkErrors = new(StringComparer.Ordinal);
    private HashSet<string> _watched = new(StringComparer.Ordinal);
    private LiveSnapshot<TValue> _current;
    private TView? _owner;
    private int _refreshPending;
    private int _disposed;
    private int _callbackThread = -1;
    private volatile bool _failed;

    public LiveViewCore(
        ZooKeeperClient client,
        string path,
        ILogger logger,
        Func<LiveReadContext, CancellationToken, Task<LiveReadResult<TValue>>> read,
        IEqualityComparer<TValue> comparer,
        TValue emptyValue)
    {
        _client = client;
        Path = path;
        _logger = logger;
        _read = read;
        _comparer = comparer;
        _emptyValue = emptyValue;
        _watcher = OnWatch;
        _current = new LiveSnapshot<TValue>(path, emptyValue, false);
        _loop = new CoalescingLoop(
            StepAsync,
            (ex, delay) => Log.LoopFailed(_logger, Path, delay, ex),
            stopped: ReleaseWatchesAsync);
    }

    public string Path { get; }

    public LiveSnapshot<TValue> Current => Volatile.Read(ref _current);

    /// <summary>Reads the node for the first time, then starts the loop. Throws what the first read throws.</summary>
    public async Task StartAsync(TView owner, CancellationToken cancellationToken)
    {
        _owner = owner;
        _client.StateChanged += OnStateChanged;
        var context = new LiveReadContext(this);
        try
        {
            var result = await _read(context, cancellationToken).ConfigureAwait(false);
            for (var attempt = 0; result.Status == LiveReadStatus.Retry && attempt < 10; attempt++)
            {
                Interlocked.Exchange(ref _refreshPending, 0);
                context = new LiveReadContext(this, context.Watched);
                result = await _read(context, cancellationToken).ConfigureAwait(false);
            }
            if (result.Status != LiveReadStatus.Resolved)
            {
                throw new NoNodeException(Path, $"{Path} does not resolve to a node.");
            }
            _watched = context.Watched;
            Volatile.Write(ref _current, new LiveSnapshot<TValue>(result.RealPath!, result.Value!, false));
        }
        catch
        {
            _client.StateChanged -= OnStateChanged;
            Interlocked.Exchange(ref _disposed, 1);
            await RemoveWatchesAsync(context.Watched).ConfigureAwait(false);
            throw;
        }
        _loop.Start();
    }

    public IDisposable Subscribe(Action<TView> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, typeof(TView));
        var subscription = new Subscription(this, callback);
        lock (_lock)
        {
            _subscriptions.Add(subscription);
        }
        // The first call goes through the loop too, so that it is ordered with the change notifications.
        _newSubscriptions.Enqueue(subscription);
        _loop.Signal();
        return subscription;
    }

    public async ValueTask DisposeAsync()
    {
        var inCallback = Volatile.Read(ref _callbackThread) == Environment.CurrentManagedThreadId;
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client.StateChanged -= OnStateChanged;
            lock (_lock)
            {
                foreach (var subscription in _subscriptions)
                {
                    subscription.Active = false;
                }
                _subscriptions.Clear();
            }
        }
        // From inside a callback the loop is our caller: stop it without waiting; it removes the watches on its way out,
        // after the callback returns. Anywhere else, stop it and wait for it (a later call from outside waits too).
        if (inCallback)
        {
            _loop.Stop();
        }
        else
        {
            await _loop.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnWatch(WatchedEvent e)
    {
        // Runs on the client's dispatcher, where the refresh's reads resume anyway: the refresh starts here, without a
        // thread-pool hop.
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }
        switch (e.Type)
        {
            case WatchEventType.NodeCreated:
            case WatchEventType.NodeDeleted:
            case WatchEventType.NodeDataChanged:
            case WatchEventType.NodeChildrenChanged:
                Volatile.Write(ref _refreshPending, 1);
                _loop.SignalInline();
                break;
            case WatchEventType.None when e.State == KeeperState.Expired:
                // The watch went with the session; the read queues until the new session is up and re-arms it.
                RequestRefresh();
                break;
            default:
                break;
        }
    }

    private void OnStateChanged(object? sender, ConnectionStateChangedEventArgs e)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }
        if (e.State is ConnectionState.Connected or ConnectionState.ConnectedReadOnly && (e.IsNewSession || _failed))
        {
            RequestRefresh();
        }
    }

    internal void RequestRefresh()
    {
        Volatile.Write(ref _refreshPending, 1);
        _loop.Signal();
    }

    /// <summary>One pass of the loop: first calls of new subscribers, then a read when one was asked for.</summary>
    private async Task StepAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && _newSubscriptions.TryDequeue(out var subscription))
        {
            if (subscription.Active)
            {
                subscription.Initialized = true;
                Invoke(subscription);
            }
        }
        if (!cancellationToken.IsCancellationRequested && Interlocked.Exchange(ref _refreshPending, 0) != 0)
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The loop's last act: the watches of the last read go.</summary>
    private Task ReleaseWatchesAsync()
    {
        var watched = _watched;
        _watched = new HashSet<string>(StringComparer.Ordinal);
        return RemoveWatchesAsync(watched);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var previous = Current;
        if (previous.IsDeleted)
        {
            return;
        }
        var context = new LiveReadContext(this);
        LiveReadResult<TValue> result;
        try
        {
            result = await _read(context, cancellationToken).ConfigureAwait(false);
            _failed = false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _watched.UnionWith(context.Watched);
            throw;
        }
        catch (NodeLinkException ex)
        {
            // A link loop or an unusable link target on the way: the path does not resolve.
            Log.LinkError(_logger, Path, ex.Message);
            result = LiveReadResult<TValue>.NotFound;
        }
        catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException)
        {
            // Connection loss, expiry, a closed client, a denied read: keep the last value; a new session, the next
            // connection or the next watch event reads again.
            _failed = true;
            _watched.UnionWith(context.Watched);
            if (ex is ZooKeeperException { IsTransient: true } or SessionExpiredException or ObjectDisposedException)
            {
                Log.RefreshInterrupted(_logger, Path, ex.Message);
            }
            else
            {
                Log.RefreshFailed(_logger, Path, ex);
            }
            return;
        }

        if (result.Status == LiveReadStatus.Retry)
        {
            _watched.UnionWith(context.Watched);
            return;
        }

        if (result.Status == LiveReadStatus.NotFound)
        {
            Log.Deleted(_logger, Path, previous.RealPath);
            var all = _watched;
            all.UnionWith(context.Watched);
            _watched = new HashSet<string>(StringComparer.Ordinal);
            Volatile.Write(ref _current, new LiveSnapshot<TValue>(previous.RealPath, _emptyValue, true));
            await RemoveWatchesAsync(all).ConfigureAwait(false);
            Notify();
            return;
        }

        var stale = _watched;
        stale.ExceptWith(context.Watched);
        _watched = context.Watched;
        await RemoveWatchesAsync(stale).ConfigureAwait(false);

        var realPath = result.RealPath!;
        var pathChanged = !string.Equals(realPath, previous.RealPath, StringComparison.Ordinal);
        if (pathChanged)
        {
            Log.RealPathChanged(_logger, Path, previous.RealPath, realPath);
        }
        if (pathChanged || !_comparer.Equals(previous.Value, result.Value!))
        {
            Volatile.Write(ref _current, new LiveSnapshot<TValue>(realPath, result.Value!, false));
            Notify();
        }
    }

    private void Notify()
    {
        Subscription[] targets;
        lock (_lock)
        {
            targets = [.. _subscriptions.Where(static s => s.Initialized)];
        }
        foreach (var subscription in targets)
        {
            if (subscription.Active)
            {
                Invoke(subscription);
            }
        }
    }

    private void Invoke(Subscription subscription)
    {
        Volatile.Write(ref _callbackThread, Environment.CurrentManagedThreadId);
        try
        {
            subscription.Callback(_owner!);
        }
#pragma warning disable CA1031 // A subscriber's failure must not stop the view or the other subscribers.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.SubscriberFailed(_logger, Path, ex);
        }
        finally
        {
            Volatile.Write(ref _callbackThread, -1);
        }
    }

    private async Task RemoveWatchesAsync(HashSet<string> paths)
    {
        if (paths.Count == 0)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), TimeProvider.System);
        foreach (var path in paths)
        {
            try
            {
                // While disconnected, remove ours only; the server's watch fires once more and is ignored.
                var local = _client.State is not (ConnectionState.Connected or ConnectionState.ConnectedReadOnly);
                await _client.RemoveWatchesAsync(path, _watcher, WatcherType.Any, local, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException or OperationCanceledException)
            {
                // Already fired, never armed, or the client is gone: nothing left to remove.
            }
        }
    }

    /// <summary>Logs a data warning once per version of the node's data.</summary>
    internal void ReportDataWarning(string path, long mzxid, string warning)
    {
        if (_dataWarnings.TryGetValue(path, out var seen) && seen == mzxid)
        {
            return;
        }
        _dataWarnings[path] = mzxid;
        Log.DataWarning(_logger, path, warning);
    }

    /// <summary>Logs the bad property links not already reported by the previous read.</summary>
    internal void ReportLinkErrors(IReadOnlyList<NodeLinkException> errors)
    {
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var error in errors)
        {
            if (current.Add(error.Message) && !_linkErrors.Contains(error.Message))
            {
                Log.BadPropertyLink(_logger, Path, error.Message);
            }
        }
        _linkErrors = current;
    }

    internal ZooKeeperClient Client => _client;

    internal Action<WatchedEvent> Watcher => _watcher;

    /// <summary>One subscriber; <see cref="Initialized"/> once it had its first call.</summary>
    private sealed class Subscription(LiveViewCore<TView, TValue> owner, Action<TView> callback) : IDisposable
    {
        public Action<TView> Callback { get; } = callback;

        public volatile bool Active = true;

        public volatile bool Initialized;

        public void Dispose()
        {
            Active = false;
            lock (owner._lock)
            {
                owner._subscriptions.Remove(this);
            }
        }
    }

    /// <summary>
    /// Reads nodes for one refresh, each with the view's watcher, and records which paths it watched.
    /// Used by the loop only.
    /// </summary>
    internal sealed class LiveReadContext
    {
        private readonly LiveViewCore<TView, TValue> _core;

        public LiveReadContext(LiveViewCore<TView, TValue> core, HashSet<string>? watched = null)
        {
            _core = core;
            Watched = watched ?? new HashSet<string>(StringComparer.Ordinal);
        }

        public HashSet<string> Watched { get; }

        /// <summary>A node's properties with a data watch, or null (with an exists watch) when it does not exist.</summary>
        public async ValueTask<IReadOnlyDictionary<string, JsonNode?>?> ReadPropertiesAsync(string path, CancellationToken cancellationToken)
        {
            Watched.Add(path);
            for (var attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    var data = await _core.Client.GetDataAsync(path, _core.Watcher, cancellationToken).ConfigureAwait(false);
                    var properties = NodeProperties.Parse(data.Data);
                    if (properties.ReadWarning is { } warning)
                    {
                        _core.ReportDataWarning(path, data.Stat.Mzxid, warning);
                    }
                    return properties;
                }
                catch (NoNodeException)
                {
                    // Watch for its creation: a missing node on the way can make the path resolve differently.
                    if (await _core.Client.ExistsAsync(path, _core.Watcher, cancellationToken).ConfigureAwait(false) is null)
                    {
                        return null;
                    }
                    // Created between the two reads (its creation event came before the watch): read again.
                }
            }
            _core.RequestRefresh();
            return null;
        }

        /// <summary>A node's children with a child watch, or null when it no longer exists (a refresh is then requested).</summary>
        public async Task<IReadOnlyList<string>?> GetChildrenAsync(string path, CancellationToken cancellationToken)
        {
            Watched.Add(path);
            try
            {
                return (await _core.Client.GetChildrenAsync(path, _core.Watcher, cancellationToken).ConfigureAwait(false)).Children;
            }
            catch (NoNodeException)
            {
                _core.RequestRefresh();
                return null;
            }
        }

        public void ReportLinkErrors(IReadOnlyList<NodeLinkException> errors) => _core.ReportLinkErrors(errors);
    }
}
