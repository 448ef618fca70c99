using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Configuration.Internal;
using ZkDiscovery.Connection;

namespace ZkDiscovery.Configuration;

/// <summary>
/// Configuration from the properties of a ZooKeeper node, mapped to keys as the JSON provider maps a JSON file,
/// kept current with watches, with the last good data kept when ZooKeeper fails. Created by
/// <see cref="ZooKeeperConfigurationSource"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every read is one pass over the tree on a connected session; a pass interrupted by a lost connection, a new
/// session or a change is discarded and done again, so the data is never a half-read tree. The reload token fires
/// after the new data is in place, and only when some key or value changed.
/// </para>
/// <para>
/// Unusable data (a node whose data is not a JSON object, a dangling or cyclic link, the node deleted) keeps the
/// last good data: a warning names the path, <see cref="ZooKeeperConfigurationSource.OnLoadException"/> is called,
/// <see cref="LastError"/> and <see cref="Status"/> tell a health check, and the next good change recovers. A deleted
/// node keeps the last good data too, unless <see cref="ZooKeeperConfigurationSource.NodeDeletedBehavior"/> says to
/// remove the keys.
/// </para>
/// <para>
/// Without <see cref="ZooKeeperConfigurationSource.LoggerFactory"/>, the provider keeps what it logs (up to 256 events)
/// until the hosting integration attaches the host's logging (<see cref="AttachLogging"/>), which then gets them in
/// order, once. Log messages name paths and count keys; they never hold values.
/// </para>
/// </remarks>
public sealed partial class ZooKeeperConfigurationProvider : ConfigurationProvider, IDisposable, IZooKeeperConfigurationProvider
{
    private const int MaxDiscardedReads = 3;

    private readonly ZooKeeperConfigurationSource _source;
    private readonly string _connectionString;
    private readonly string? _digest;
    private readonly DeferredLogger _logger;
    private readonly object _stateLock = new();
    private readonly TimeProvider _time;
    private readonly Action<WatchedEvent> _watcher;
    private readonly EventHandler<ConnectionStateChangedEventArgs> _stateHandler;
    private readonly SemaphoreSlim _readLock = new(1, 1);
    // Reads again on every signal (watch events, reconnects), after the reload delay.
    private readonly CoalescingLoop _loop;
    private ZooKeeperClientPool.Lease? _lease;
    private IConfigurationReader? _reader;
    private HashSet<string> _watched = new(StringComparer.Ordinal);
    // The provider's reads through the client's shared node cache (null: its own watcher, on every node it reads).
    private ConfigurationNodeCache.Subscriber? _shared;
    private int _changes;
    private int _connectionLosses;
    private int _discarded;
    private int _loaded;
    private int _disposed;
    private int _reloadingThread = -1;
    private volatile bool _readPending;
    private volatile Exception? _lastError;
    private volatile ZooKeeperConfigurationStatus _status;
    private IReadOnlyDictionary<string, ZooKeeperConfigurationKeySource>? _sources;
    private DateTimeOffset? _lastReloadTime;
    private DateTimeOffset? _lastGoodDataTime;
    private DateTimeOffset? _lastErrorTime;
    private bool _tracked;

    internal ZooKeeperConfigurationProvider(ZooKeeperConfigurationSource source, string path, string connectionString, string? digestCredentials)
    {
        _source = source;
        Path = path;
        _connectionString = connectionString;
        _digest = digestCredentials;
        _time = source.TimeProvider;
        _logger = new DeferredLogger(source.LoggerFactory?.CreateLogger<ZooKeeperConfigurationProvider>(), _time);
        _watcher = OnWatch;
        _stateHandler = OnStateChanged;
        Data = ConfigurationKeyMapper.CreateData();
        var delay = source.ReloadDelay > TimeSpan.Zero ? source.ReloadDelay : TimeSpan.Zero;
        _loop = new CoalescingLoop(
            StepAsync,
            (ex, retryDelay) =>
            {
                _readPending = true;
                Log.ReloadRetrying(_logger, Path, retryDelay, ex);
            },
            debounce: delay,
            maxDebounce: delay * 10,
            time: _time);
    }

    /// <summary>The ZooKeeper path this provider reads (normalised).</summary>
    public string Path { get; }

    /// <summary>Where the current data comes from; see <see cref="ZooKeeperConfigurationStatus"/>.</summary>
    public ZooKeeperConfigurationStatus Status => _status;

    /// <summary>Why the last load failed, or null when the last read of ZooKeeper succeeded (or none was tried yet).</summary>
    public Exception? LastError => _lastError;

    internal ZooKeeperClient? Client => _lease?.Client;

    /// <summary>The shared node cache this provider reads through, or null (node-per-key layout, no reload on change).</summary>
    internal ConfigurationNodeCache? NodeCache => _shared is null ? null : _lease?.NodeCache;

    /// <summary>Log events waiting for the host's logging (for tests).</summary>
    internal int PendingLogEvents => _logger.PendingCount;

    private ZooKeeperClient SharedClient => _lease?.Client ?? throw new ObjectDisposedException(nameof(ZooKeeperConfigurationProvider));

    private bool IsConnected => _lease?.Client.State is ConnectionState.Connected or ConnectionState.ConnectedReadOnly;

    /// <summary>
    /// The first call connects (sharing the session of other sources with the same connection string) and waits
    /// up to <see cref="ZooKeeperConfigurationSource.StartupTimeout"/> for a good read; later calls (from
    /// <c>IConfigurationRoot.Reload()</c>) read again when connected and keep the data otherwise.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// First call, source not optional: ZooKeeper could not be reached (the message names the servers and the
    /// path) or the node does not exist.
    /// </exception>
    /// <exception cref="InvalidDataException">First call, source not optional: the data cannot be used (the message says why).</exception>
    /// <exception cref="ObjectDisposedException">The provider was disposed.</exception>
    public override void Load()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _loaded, 1) == 0)
        {
            Task.Run(StartAsync).GetAwaiter().GetResult();
            return;
        }
        if (IsConnected)
        {
            // The root raises its own change token after Load: no OnReload here.
            _ = Task.Run(async () => await ReadAndApplyAsync(_loop.Stopping).ConfigureAwait(false))
                .Wait(_source.StartupTimeout);
        }
    }

    /// <summary>Stops watching and returns the shared session (closed when no other provider uses it). Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _loop.Stop();
        if (_tracked)
        {
            ZooKeeperConfigurationMetrics.Untrack(this);
        }
        if (_lease is { } lease)
        {
            lease.Client.StateChanged -= _stateHandler;
            // From a reload callback the loop is our caller: it ends on its own once the callback returns.
            if (Volatile.Read(ref _reloadingThread) != Environment.CurrentManagedThreadId)
            {
                _loop.Completion.Wait(TimeSpan.FromSeconds(5));
            }
            _shared?.Dispose();
            var watched = _watched;
            _ = Task.Run(() => RemoveWatchesAsync(watched)).Wait(TimeSpan.FromSeconds(5));
            lease.Dispose();
        }
    }

    /// <inheritdoc/>
    public ZooKeeperConfigurationReport GetReport()
    {
        var data = Data;
        IReadOnlyDictionary<string, ZooKeeperConfigurationKeySource>? sources;
        DateTimeOffset? lastReload, lastGood, lastErrorTime;
        lock (_stateLock)
        {
            sources = _sources;
            lastReload = _lastReloadTime;
            lastGood = _lastGoodDataTime;
            lastErrorTime = _lastErrorTime;
        }
        var keys = new List<ZooKeeperConfigurationKeySource>(data.Count);
        foreach (var key in data.Keys.ToArray().Order(StringComparer.OrdinalIgnoreCase))
        {
            // A key without a recorded origin comes from the configured node itself, without a link (or from a snapshot,
            // for which the configured path stands).
            keys.Add(sources is not null && sources.TryGetValue(key, out var source) ? source : new ZooKeeperConfigurationKeySource { Key = key, NodePath = Path });
        }
        var error = _lastError;
        return new ZooKeeperConfigurationReport
        {
            Path = Path,
            IsOptional = _source.Optional,
            Status = _status,
            LastReloadTime = lastReload,
            LastGoodDataTime = lastGood,
            LastError = error?.Message,
            LastErrorTime = error is null ? null : lastErrorTime,
            Keys = keys,
        };
    }

    /// <inheritdoc/>
    public IDisposable AttachLogging(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return _logger.Attach(
            loggerFactory.CreateLogger<ZooKeeperConfigurationProvider>(),
            (logger, dropped) => Log.EarlyEventsDropped(logger, Path, dropped, DeferredLogger.Capacity)) ?? NoAttachment.Instance;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{nameof(ZooKeeperConfigurationProvider)} for '{Path}' ({(_source.Optional ? "Optional" : "Required")}, {Status})";

    private async Task StartAsync()
    {
        using var activity = ZooKeeperConfigurationActivitySource.Start(ZooKeeperConfigurationActivitySource.LoadSpan, Path);
        _lease = ZooKeeperClientPool.Acquire(_connectionString, _digest, _source.LoggerFactory, _time);
        var client = _lease.Client;
        client.StateChanged += _stateHandler;
        if (_source.ReloadOnChange && _source.Layout != ZooKeeperConfigurationLayout.NodePerKey)
        {
            // Read and watched through the client's shared node cache: providers of the same nodes share the reads and
            // the watches, and a pass after a change reads only the nodes that changed.
            _shared = _lease.NodeCache.Subscribe(_watcher);
        }
        _reader = ConfigurationReaders.Create(client, _source.ReloadOnChange ? _watcher : null, Path, _source, _shared);

        var snapshot = ReadSnapshot();
        Exception? failure;
        var result = await FirstReadAsync().ConfigureAwait(false);
        ZooKeeperConfigurationActivitySource.Read(activity, result, _reader.NodesRead);
        switch (result.Status)
        {
            case ConfigurationReadStatus.Loaded:
                _watched = new HashSet<string>(result.Watched, StringComparer.Ordinal);
                RecordGoodRead(result.Sources);
                Data = result.Data!;
                ZooKeeperConfigurationActivitySource.KeysChanged(result.Data!.Count);
                _status = ZooKeeperConfigurationStatus.Current;
                WriteSnapshot(result.Data!);
                Log.Loaded(_logger, Path, result.Data!.Count);
                Track();
                StartLoop();
                return;
            case ConfigurationReadStatus.NotFound when _source.Optional:
                _watched = new HashSet<string>(result.Watched, StringComparer.Ordinal);
                RecordGoodRead(null);
                _status = ZooKeeperConfigurationStatus.Current;
                Log.NotFoundOptional(_logger, Path);
                Track();
                StartLoop();
                return;
            case ConfigurationReadStatus.NotFound:
                _watched = new HashSet<string>(result.Watched, StringComparer.Ordinal);
                failure = new InvalidOperationException($"The ZooKeeper configuration path {Path} does not exist on {_connectionString}.", result.Error);
                break;
            case ConfigurationReadStatus.Failed:
                _watched = new HashSet<string>(result.Watched, StringComparer.Ordinal);
                failure = result.Error!;
                break;
            default:
                failure = result.Error!;
                _readPending = true;
                break;
        }

        ZooKeeperConfigurationActivitySource.Failed(activity, failure);
        var context = new ZooKeeperLoadExceptionContext(this, failure, isStartup: true, ignore: _source.Optional);
        RecordError(failure);
        ZooKeeperConfigurationMetrics.LoadFailed(Path);
        _source.OnLoadException?.Invoke(context);
        if (!context.Ignore)
        {
            Log.StartupFailed(_logger, Path, failure);
            client.StateChanged -= _stateHandler;
            _shared?.Dispose();
            await RemoveWatchesAsync(_watched).ConfigureAwait(false);
            Interlocked.Exchange(ref _lease, null)?.Dispose();
            Volatile.Write(ref _disposed, 1);
            ThrowStartupFailure(failure);
        }
        if (snapshot is not null)
        {
            lock (_stateLock)
            {
                _lastGoodDataTime = SnapshotTime();
            }
            Data = snapshot;
            _status = ZooKeeperConfigurationStatus.Snapshot;
            Log.StartedFromSnapshot(_logger, Path, _source.SnapshotPath!, snapshot.Count, failure.Message);
        }
        else
        {
            _status = ZooKeeperConfigurationStatus.NotLoaded;
            Log.StartedEmpty(_logger, Path, failure.Message);
        }
        Track();
        StartLoop();
        if (_readPending && IsConnected)
        {
            Signal();
        }
    }

    [DoesNotReturn]
    private static void ThrowStartupFailure(Exception failure) =>
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);

    /// <summary>Waits for a connection and reads the tree once, within the startup timeout.</summary>
    private async Task<ConfigurationReadResult> FirstReadAsync()
    {
        var client = SharedClient;
        var timeout = _source.StartupTimeout;
        var started = _time.GetTimestamp();
        Exception? last = null;
        while (true)
        {
            var remaining = timeout - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }
            try
            {
                await client.WaitUntilConnectedAsync(remaining, _loop.Stopping).ConfigureAwait(false);
            }
            catch (ZooKeeperException ex)
            {
                last = ex;
                break;
            }
            using var timeoutSource = new CancellationTokenSource(timeout - _time.GetElapsedTime(started) is var left && left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, _loop.Stopping);
            var session = client.SessionId;
            var losses = Volatile.Read(ref _connectionLosses);
            ConfigurationReadResult result;
            try
            {
                result = await _reader!.ReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
            {
                last = new TimeoutException($"Reading {Path} did not finish within {timeout.TotalSeconds:0.###} s.");
                break;
            }
            if (result.Status != ConfigurationReadStatus.Interrupted && client.SessionId == session && Volatile.Read(ref _connectionLosses) == losses)
            {
                return result;
            }
            _watched.UnionWith(result.Watched);
            last = result.Error ?? last;
        }
        var error = new InvalidOperationException(
            $"Could not load configuration from ZooKeeper path {Path}: no good read from {_connectionString} within {timeout.TotalSeconds:0.###} s"
            + (last is null ? "." : $" ({last.Message.TrimEnd('.')})."),
            last);
        return new ConfigurationReadResult(ConfigurationReadStatus.Interrupted, null, error, new HashSet<string>(StringComparer.Ordinal));
    }

    private void StartLoop()
    {
        _logger.EndStartup();
        // The loop outlives the call that built the configuration: it must not carry that call's AsyncLocals.
        _loop.Start();
    }

    private void OnWatch(WatchedEvent e)
    {
        // On the client's dispatcher, where the pass's reads resume anyway: the pass starts here, without a thread-pool
        // hop (after the reload delay, when there is one, it starts on the delay's timer).
        if (Volatile.Read(ref _disposed) == 0
            && e.Type is WatchEventType.NodeCreated or WatchEventType.NodeDeleted or WatchEventType.NodeDataChanged or WatchEventType.NodeChildrenChanged)
        {
            Interlocked.Increment(ref _changes);
            _loop.SignalInline();
        }
    }

    private void OnStateChanged(object? sender, ConnectionStateChangedEventArgs e)
    {
        if (e.State is ConnectionState.Suspended or ConnectionState.Expired)
        {
            // Reads are retried on the next connection, so a pass can span the outage and join data read before it
            // with data read after it: such a pass is discarded (the event comes long before the retried replies).
            Interlocked.Increment(ref _connectionLosses);
        }
        if (Volatile.Read(ref _disposed) != 0 || e.State is not (ConnectionState.Connected or ConnectionState.ConnectedReadOnly))
        {
            return;
        }
        // A new session lost every watch: read again (and re-arm them); a read owed since a lost connection too.
        if (_readPending || (e.IsNewSession && _source.ReloadOnChange) || _status is ZooKeeperConfigurationStatus.NotLoaded or ZooKeeperConfigurationStatus.Snapshot)
        {
            Signal();
        }
    }

    private void Signal()
    {
        Interlocked.Increment(ref _changes);
        _loop.Signal();
    }

    /// <summary>
    /// One pass of the loop, after the reload delay: reads the tree and applies it when connected, and otherwise notes
    /// that a read is owed (the next Connected state signals).
    /// </summary>
    private async Task StepAsync(CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            _readPending = true;
            if (IsConnected)
            {
                Signal();
            }
            return;
        }
        var (changed, failure, deleted) = await ReadAndApplyAsync(cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            ReportFailure(failure, deleted);
        }
        if (changed)
        {
            RaiseReload();
        }
    }

    /// <summary>Reads the tree once and applies a good result; returns whether the data changed and any failure to report.</summary>
    private async Task<(bool Changed, Exception? Failure, bool Deleted)> ReadAndApplyAsync(CancellationToken cancellationToken)
    {
        using var activity = ZooKeeperConfigurationActivitySource.Start(ZooKeeperConfigurationActivitySource.ReloadSpan, Path);
        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var client = SharedClient;
            var changesBefore = Volatile.Read(ref _changes);
            var session = client.SessionId;
            var losses = Volatile.Read(ref _connectionLosses);
            var result = await _reader!.ReadAsync(cancellationToken).ConfigureAwait(false);
            ZooKeeperConfigurationActivitySource.Read(activity, result, _reader.NodesRead);
            if (result.Status == ConfigurationReadStatus.Interrupted || client.SessionId != session || Volatile.Read(ref _connectionLosses) != losses)
            {
                _watched.UnionWith(result.Watched);
                _readPending = true;
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    Log.ReadInterrupted(_logger, Path, result.Error?.Message ?? (client.SessionId != session ? "the session changed" : "the connection was lost"));
                }
                if (IsConnected)
                {
                    Signal();
                }
                return (false, null, false);
            }
            _readPending = false;
            await UpdateWatchesAsync(result.Watched).ConfigureAwait(false);
            if (Volatile.Read(ref _changes) != changesBefore && _discarded < MaxDiscardedReads)
            {
                // The tree changed during the read (its watch event has signalled): read again rather than publish a mix.
                _discarded++;
                ZooKeeperConfigurationActivitySource.Discarded(activity);
                return (false, null, false);
            }
            _discarded = 0;
            return ZooKeeperConfigurationActivitySource.Applied(activity, Apply(result));
        }
        finally
        {
            _readLock.Release();
        }
    }

    private (bool Changed, Exception? Failure, bool Deleted) Apply(ConfigurationReadResult result)
    {
        if (result.Status == ConfigurationReadStatus.NotFound && _source.Optional && Data.Count == 0)
        {
            // Never had keys: an optional node that does not exist (yet) is simply empty.
            result = result with { Status = ConfigurationReadStatus.Loaded, Data = ConfigurationKeyMapper.CreateData() };
        }
        if (result.Status == ConfigurationReadStatus.NotFound && _source.NodeDeletedBehavior == ZooKeeperNodeDeletedBehavior.RemoveKeys)
        {
            // The owner's choice: the configuration follows ZooKeeper, keys go with the node.
            if (Data.Count > 0)
            {
                Log.NodeDeletedKeysRemoved(_logger, Path, Data.Count);
            }
            result = result with { Status = ConfigurationReadStatus.Loaded, Data = ConfigurationKeyMapper.CreateData() };
        }
        if (result.Status != ConfigurationReadStatus.Loaded)
        {
            var deleted = result.Status == ConfigurationReadStatus.NotFound;
            var failure = deleted
                ? new InvalidOperationException($"The ZooKeeper configuration node {Path} was deleted; the last good configuration is kept.", result.Error)
                : result.Error!;
            RecordError(failure);
            _status = ZooKeeperConfigurationStatus.Stale;
            return (false, failure, deleted);
        }

        var data = result.Data!;
        var wasFailing = _lastError is not null;
        var previousStatus = _status;
        var changes = ConfigurationChanges.Compute(Data, data);
        ZooKeeperConfigurationActivitySource.KeysChanged(changes.Count);
        RecordGoodRead(result.Sources);
        _lastError = null;
        if (changes.Count == 0)
        {
            _status = ZooKeeperConfigurationStatus.Current;
            if (previousStatus != ZooKeeperConfigurationStatus.Current)
            {
                WriteSnapshot(data);
            }
            if (wasFailing)
            {
                Log.Recovered(_logger, Path);
            }
            Log.Unchanged(_logger, Path);
            return (false, null, false);
        }
        // The new data is in place before the reload token fires.
        Data = data;
        _status = ZooKeeperConfigurationStatus.Current;
        WriteSnapshot(data);
        ZooKeeperConfigurationMetrics.Reloaded(Path);
        if (wasFailing)
        {
            Log.Recovered(_logger, Path);
        }
        if (_logger.IsEnabled(LogLevel.Information))
        {
            int added = 0, changed = 0, removed = 0;
            foreach (var change in changes)
            {
                _ = change.Kind switch
                {
                    '+' => added++,
                    '-' => removed++,
                    _ => changed++,
                };
            }
            Log.Reloaded(_logger, Path, added, changed, removed);
        }
        if (_logger.IsEnabled(LogLevel.Debug))
        {
#pragma warning disable CA1873 // Guarded by IsEnabled just above.
            Log.ReloadedKeys(_logger, Path, ConfigurationChanges.Describe(changes));
#pragma warning restore CA1873
        }
        return (true, null, false);
    }

    private void ReportFailure(Exception failure, bool deleted)
    {
        ZooKeeperConfigurationMetrics.LoadFailed(Path);
        if (deleted)
        {
            Log.NodeDeleted(_logger, Path, DescribeKept(), Data.Count);
        }
        else
        {
            Log.LoadFailed(_logger, Path, DescribeKept(), failure.Message);
        }
        if (_source.OnLoadException is not { } callback)
        {
            return;
        }
        try
        {
            callback(new ZooKeeperLoadExceptionContext(this, failure, isStartup: false, ignore: true));
        }
#pragma warning disable CA1031 // User code on the provider's loop must not stop it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.LoadExceptionHandlerFailed(_logger, Path, ex);
        }
    }

    /// <summary>What the provider serves while ZooKeeper's data cannot be used, for the log.</summary>
    private string DescribeKept()
    {
        DateTimeOffset? good;
        lock (_stateLock)
        {
            good = _lastGoodDataTime;
        }
        var time = good is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "an unknown time";
        return _status switch
        {
            _ when good is null && Data.Count == 0 => "no values to keep (none were loaded yet)",
            ZooKeeperConfigurationStatus.Snapshot => $"keeping the values of the snapshot from {time}",
            _ => $"keeping the last good values from {time}",
        };
    }

    private void RecordGoodRead(IReadOnlyDictionary<string, ZooKeeperConfigurationKeySource>? sources)
    {
        var now = _time.GetUtcNow();
        lock (_stateLock)
        {
            _sources = sources;
            _lastReloadTime = now;
            _lastGoodDataTime = now;
            _lastErrorTime = null;
        }
    }

    private void RecordError(Exception failure)
    {
        lock (_stateLock)
        {
            _lastErrorTime = _time.GetUtcNow();
        }
        _lastError = failure;
    }

    private void Track()
    {
        _tracked = true;
        ZooKeeperConfigurationMetrics.Track(this);
    }

    private DateTimeOffset? SnapshotTime()
    {
        try
        {
            return new DateTimeOffset(File.GetLastWriteTimeUtc(_source.SnapshotPath!), TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void RaiseReload()
    {
        Volatile.Write(ref _reloadingThread, Environment.CurrentManagedThreadId);
        try
        {
            OnReload();
        }
#pragma warning disable CA1031 // A reload subscriber's failure must not stop the provider.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.LoopFailed(_logger, Path, ex);
        }
        finally
        {
            Volatile.Write(ref _reloadingThread, -1);
        }
    }

    private sealed class NoAttachment : IDisposable
    {
        public static readonly NoAttachment Instance = new();

        public void Dispose()
        {
        }
    }

    /// <summary>Removes the watches left on nodes the last read no longer needed.</summary>
    private async Task UpdateWatchesAsync(IReadOnlySet<string> watched)
    {
        if (_watched.SetEquals(watched))
        {
            return; // The same nodes as before (the usual pass): the set in place stays, the read's own is dropped young.
        }
        var stale = _watched;
        stale.ExceptWith(watched);
        // A read's set is its own and not used after it: kept as it is.
        _watched = watched is HashSet<string> set && ReferenceEquals(set.Comparer, StringComparer.Ordinal)
            ? set
            : new HashSet<string>(watched, StringComparer.Ordinal);
        await RemoveWatchesAsync(stale).ConfigureAwait(false);
    }

    private async Task RemoveWatchesAsync(HashSet<string> paths)
    {
        if (_shared is not null || paths.Count == 0 || _lease?.Client is not { } client)
        {
            return; // The shared cache's watches are its own: they go when they fire.
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
        foreach (var path in paths)
        {
            try
            {
                var local = client.State is not (ConnectionState.Connected or ConnectionState.ConnectedReadOnly);
                await client.RemoveWatchesAsync(path, _watcher, WatcherType.Any, local, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException or OperationCanceledException)
            {
                // Already fired, never armed, or the client is gone: nothing left to remove.
            }
        }
    }

    private Dictionary<string, string?>? ReadSnapshot()
    {
        if (_source.SnapshotPath is not { Length: > 0 } path)
        {
            return null;
        }
        try
        {
            return ConfigurationSnapshotFile.Read(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            Log.SnapshotReadFailed(_logger, Path, path, ex);
            return null;
        }
    }

    private void WriteSnapshot(Dictionary<string, string?> data)
    {
        if (_source.SnapshotPath is not { Length: > 0 } path)
        {
            return;
        }
        try
        {
            ConfigurationSnapshotFile.Write(path, data);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.SnapshotWriteFailed(_logger, Path, path, ex);
        }
    }
}
