using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ZkDiscovery.Connection;
using ZkDiscovery.Discovery;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// The live endpoints of one service: the live children of its path (links followed), each provider's data read once
/// and re-read only when its data watch fires, published as immutable snapshots whose change token is cancelled on
/// every change. No polling: watches and connection state events drive it.
/// </summary>
/// <remarks>
/// <para>
/// One loop per service does all the work, so snapshots are built one at a time and in order. The providers' data is
/// read in batches with <see cref="ZooKeeperClient.GetDataManyAsync"/> (multiRead, ZooKeeper 3.6+), which leaves a
/// one-shot data watch on each provider, all sharing one watcher: a thousand new providers cost ten multiReads, not a
/// thousand requests, which matters because the server spends most of its time per request, not per node. On an older server
/// each provider is read with its own pipelined <c>getData</c> and watch. A provider whose data holds property links
/// (<c>NAME =&gt;</c>) gets a <see cref="LiveProperties"/> view, which follows and watches the link targets.
/// </para>
/// <para>
/// Only one-shot watches are used: ZooKeeper before 3.9 keeps one watch mode per session and path, so a persistent
/// watch here would silently replace (or be replaced by) the children watch on the service path, or any other
/// component's watch there. While the client is disconnected the last list is kept and marked stale; after a reconnect
/// the client re-arms the watches and the server fires those whose node changed meanwhile; after a session expiry
/// every provider is read (and watched) again.
/// </para>
/// </remarks>
internal sealed partial class ServiceEndpointWatcher : IAsyncDisposable, IStaleSource
{
    /// <summary>How many provider reads are in flight at once when each provider is read on its own.</summary>
    private const int ReadsInFlight = 512;

    /// <summary>How many providers one multiRead request reads: the reply must fit in one frame (jute.maxbuffer, 1 MiB by
    /// default), which leaves room for 10 KiB of data per provider; registration nodes hold well under 1 KiB.</summary>
    private const int ReadsPerBatch = 100;

    /// <summary>Batch reads lost to connection drops in a row before this watcher reads each provider on its own.</summary>
    private const int BatchLossesBeforeFallback = 2;

    private readonly ZooKeeperClient _client;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    // The one loop of this service; watch callbacks and state events only note what changed and signal it.
    private readonly CoalescingLoop _loop;
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<WatchedEvent> _providerWatcher;
    private readonly object _changedLock = new();
    // Owned by the loop: the providers under _providersParent (the service's real path when they were listed), by name.
    private readonly Dictionary<string, Provider> _providers = new(StringComparer.Ordinal);
    private string? _providersParent;
    // Written by the client's dispatcher, taken by the loop: paths whose data watch fired.
    private HashSet<string> _changed = new(StringComparer.Ordinal);
    private int _readAll;
    // The session whose watches the watcher holds (0 before the first); a state event of another one is a new session.
    private long _knownSession;
    // Owned by the loop (read by the dispatcher, where staleness is harmless): true once the server turned multiRead down.
    private bool _perProviderReads;
    private int _batchLosses;
    private CancellationTokenSource _changeSource = new();
    private ServiceEndpointSnapshot _snapshot;
    private LiveChildren? _view;
    private IDisposable? _viewSubscription;
    // Owned by the loop: how the service is watched, decided by its first passes.
    private WatchMode _mode;

    public ServiceEndpointWatcher(ZooKeeperClient client, string serviceName, string servicePath, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _client = client;
        ServiceName = serviceName;
        ServicePath = servicePath;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ServiceEndpointWatcher>();
        _time = time;
        _providerWatcher = OnProviderWatch;
        _treeWatcher = OnTreeEvent;
        _snapshot = new ServiceEndpointSnapshot(serviceName, servicePath, [], false, false, true, new CancellationChangeToken(_changeSource.Token), time.GetUtcNow());
        _loop = new CoalescingLoop(StepAsync, (ex, delay) => Log.LoopFailed(_logger, ServiceName, ServicePath, delay, ex), time: time);
    }

    public string ServiceName { get; }

    public string ServicePath { get; }

    public ServiceEndpointSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>The bookkeeping of the resolver that owns this watcher, if any.</summary>
    public ServiceUsage Usage { get; } = new();

    bool IStaleSource.IsStale => Snapshot.IsStale;

    /// <summary>Completes once the service path was read for the first time (with its endpoints, or none).</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>Starts watching; with <paramref name="after"/>, the first pass waits for it (another watcher of the same path stopping).</summary>
    public void Start(Task? after = null)
    {
        // Subscribed first: a change after this point comes as an event, and what is read next is the session in force.
        // The handler hears of no change made before it was added (not of the connection the client already has, even
        // when that event is still to be dispatched), so every Connected state it hears of is a (re)connection.
        _client.StateChanged += OnStateChanged;
        Interlocked.CompareExchange(ref _knownSession, _client.SessionId, 0);
        // The first pass picks the mode and reads the service; no ExecutionContext flows into the loop.
        _loop.Signal();
        if (after is null || after.IsCompleted)
        {
            _loop.Start();
        }
        else
        {
            // Its watches must be gone first: the server keeps one watch per session and path, so a removal that reached
            // the server after this watcher's watch was added would take that one away.
            after.ContinueWith(static (_, loop) => ((CoalescingLoop)loop!).Start(), _loop, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_loop.Stopping.IsCancellationRequested)
        {
            return;
        }
        _client.StateChanged -= OnStateChanged;
        await _loop.DisposeAsync().ConfigureAwait(false);
        if (_recursive)
        {
            await RemoveTreeWatchAsync().ConfigureAwait(false);
        }
        await CloseViewAsync().ConfigureAwait(false);
        _loaded.TrySetCanceled();
    }

    /// <summary>
    /// After <see cref="DisposeAsync"/>, for a watcher its owner stopped and forgot: fires the last snapshot's change
    /// token, so that whoever follows the service looks again (and finds it no longer watched, or watched anew).
    /// </summary>
    public void Retire() => _changeSource.Cancel();

    /// <summary>Asks the loop for one more pass; called once per watch event, so it costs no allocation.</summary>
    private void Signal() => _loop.Signal();

    /// <summary>
    /// For tests: read and watch each provider with its own request and watch the children with a children watch, as
    /// against a server older than 3.6.
    /// </summary>
    internal bool PerProviderReads
    {
        get => _perProviderReads;
        init => _perProviderReads = value;
    }

    private void OnStateChanged(object? sender, ConnectionStateChangedEventArgs e)
    {
        // The event of a session this watcher already read in (the client's first connection, delivered after Start)
        // is not news: reading everything again would only cost, and rebuild every endpoint.
        var newSession = e.IsNewSession && Interlocked.Exchange(ref _knownSession, e.SessionId) != e.SessionId;
        if (newSession)
        {
            // The old session's watches are gone: every provider is read (and watched) again.
            Volatile.Write(ref _readAll, 1);
        }
        OnTreeStateChanged(e, newSession);
        Signal();
    }

    /// <summary>
    /// The one data watcher of every provider; runs on the client's dispatcher, so it only notes and wakes. Deletions are
    /// left to the children view.
    /// </summary>
    private void OnProviderWatch(WatchedEvent e)
    {
        switch (e.Type)
        {
            case WatchEventType.NodeDataChanged when e.Path is not null:
                lock (_changedLock)
                {
                    _changed.Add(e.Path);
                }
                _loop.SignalInline(); // On the dispatcher, where the read this pass makes resumes anyway: no hop.
                break;
            case WatchEventType.None when e.State == KeeperState.Expired:
                Volatile.Write(ref _readAll, 1);
                Signal();
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// One pass of the loop: the first passes pick the mode (tree or children), then each pass brings the snapshot up to
    /// date with what the watches reported since the previous one.
    /// </summary>
    private async Task StepAsync(CancellationToken cancellationToken)
    {
        if (_mode == WatchMode.Undecided)
        {
            if (_perProviderReads)
            {
                _mode = WatchMode.Children;
            }
            else if (await TryStartTreeAsync(cancellationToken).ConfigureAwait(false) is { } tree)
            {
                _mode = tree ? WatchMode.Tree : WatchMode.Children;
            }
            else
            {
                return; // Not connected yet: the next state change signals.
            }
        }
        if (_mode == WatchMode.Tree)
        {
            await TreeStepAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        if (_view is null)
        {
            if (await TryOpenViewAsync(cancellationToken).ConfigureAwait(false))
            {
                Log.Started(_logger, ServiceName, ServicePath, _view!.RealPath);
            }
            return;
        }
        await TracedAsync(static (w, ct) => w.RefreshAsync(ct), cancellationToken).ConfigureAwait(false);
        if (_view!.IsDeleted)
        {
            Log.Missing(_logger, ServiceName, ServicePath);
            await CloseViewAsync().ConfigureAwait(false);
            Publish();
            Signal(); // Open the view again at once: it waits for the path to come back.
        }
    }

    /// <summary>
    /// Starts the live view of the service path; false when it cannot yet (ZooKeeper unreachable, the path missing: a
    /// state change or the path's creation signals the next try).
    /// </summary>
    private async Task<bool> TryOpenViewAsync(CancellationToken cancellationToken)
    {
        try
        {
            var view = await LiveChildren.StartAsync(_client, ServicePath, _loggerFactory, cancellationToken).ConfigureAwait(false);
            _view = view;
            _viewSubscription = view.Subscribe(_ => _loop.SignalInline()); // On the dispatcher, as a watch callback.
            await TracedAsync(static (w, ct) => w.RefreshAsync(ct), cancellationToken).ConfigureAwait(false);
            return true;
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
            }
            else
            {
                Signal(); // Created meanwhile: try again at once.
            }
            return false;
        }
        catch (Exception ex) when (ex is ZooKeeperException or NodeLinkException)
        {
            // Connection loss before the first read, a link loop, a denied read: wait for the next state change or watch.
            Log.LoadFailed(_logger, ServiceName, ServicePath, ex.Message);
            Publish();
            return false;
        }
    }

    /// <summary>
    /// Runs one refresh (a read of the providers up to the published snapshot) under a <c>zookeeper.discovery.refresh</c>
    /// span when someone listens; the loop runs without the creator's ExecutionContext, so the span starts a trace of its own.
    /// </summary>
    private async Task TracedAsync(Func<ServiceEndpointWatcher, CancellationToken, Task> refresh, CancellationToken cancellationToken)
    {
        using var activity = ZooKeeperHostingActivitySource.StartDiscoveryRefresh(ServiceName, ServicePath);
        try
        {
            await refresh(this, cancellationToken).ConfigureAwait(false);
            ZooKeeperHostingActivitySource.DiscoveryRefreshed(activity, Snapshot.Count);
        }
        catch (Exception ex) when (ZooKeeperHostingActivitySource.Failed(activity, ex))
        {
            throw; // Not reached: Failed only marks the span.
        }
    }

    /// <summary>Brings the providers in line with the listed children, reads the new and changed ones, publishes.</summary>
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var view = _view!;
        var parent = view.RealPath;
        var names = view.Children;
        if (names.Count > ReadsPerBatch && (_providers.Count == 0 || Volatile.Read(ref _readAll) != 0))
        {
            await LeaveReaderThreadAsync().ConfigureAwait(false); // A whole service to take in: not on the connection's reader thread.
        }
        if (!string.Equals(parent, _providersParent, StringComparison.Ordinal))
        {
            // The service path leads somewhere else now (a link changed): let the old place go.
            await ReleaseAsync([.. _providers.Values], removeWatches: true).ConfigureAwait(false);
            _providers.Clear();
            _providersParent = parent;
        }
        var readAll = Interlocked.Exchange(ref _readAll, 0) != 0;
        HashSet<string>? changedPaths = null;
        lock (_changedLock)
        {
            if (_changed.Count > 0)
            {
                changedPaths = _changed;
                _changed = new HashSet<string>(StringComparer.Ordinal);
            }
        }
        // The providers whose data watch fired, by name.
        HashSet<string>? changed = null;
        foreach (var changedPath in changedPaths ?? [])
        {
            if (string.Equals(ZooKeeperPath.GetParent(changedPath), parent, StringComparison.Ordinal))
            {
                (changed ??= new HashSet<string>(StringComparer.Ordinal)).Add(ZooKeeperPath.GetName(changedPath));
            }
        }

        // Providers no longer listed were deleted; their data watch went with them.
        if (_providers.Count > 0)
        {
            await DropUnlistedAsync(names).ConfigureAwait(false);
        }

        // To read: new providers, changed ones, every one after a new session, and those a failed read left behind.
        List<Provider>? toRead = null;
        foreach (var name in names)
        {
            if (!_providers.TryGetValue(name, out var provider))
            {
                provider = new Provider(name, parent);
                _providers.Add(name, provider);
            }
            else if (readAll || (changed is not null && changed.Contains(name)))
            {
                provider.NeedsRead = true;
            }
            if (provider.NeedsRead)
            {
                (toRead ??= []).Add(provider);
            }
        }
        if (toRead is not null)
        {
            await ReadAsync(toRead, cancellationToken).ConfigureAwait(false);
        }
        Publish();
    }

    /// <summary>Drops the providers <paramref name="names"/> no longer lists (deleted: their data watches went with them).</summary>
    private Task DropUnlistedAsync(IReadOnlyCollection<string> names)
    {
        var listed = new HashSet<string>(names, StringComparer.Ordinal);
        return DropAsync(provider => !listed.Contains(provider.Name));
    }

    /// <summary>Drops the providers <paramref name="gone"/> picks, stopping their property-link views.</summary>
    private async Task DropAsync(Func<Provider, bool> gone)
    {
        List<Provider>? dropped = null;
        foreach (var provider in _providers.Values)
        {
            if (gone(provider))
            {
                (dropped ??= []).Add(provider);
            }
        }
        if (dropped is null)
        {
            return;
        }
        foreach (var provider in dropped)
        {
            _providers.Remove(provider.Name);
        }
        await ReleaseAsync(dropped, removeWatches: false).ConfigureAwait(false);
    }

    /// <summary>Lets providers go: their property-link views stopped and, when asked, their data watches removed.</summary>
    private async Task ReleaseAsync(IReadOnlyList<Provider> providers, bool removeWatches)
    {
        foreach (var provider in providers)
        {
            await provider.ReleaseLinkedAsync().ConfigureAwait(false);
        }
        if (!removeWatches || providers.Count == 0)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), TimeProvider.System);
        var removals = new Task[providers.Count];
        for (var i = 0; i < providers.Count; i++)
        {
            removals[i] = RemoveWatchAsync(providers[i].Path, WatcherType.Data, timeout.Token);
        }
        await Task.WhenAll(removals).ConfigureAwait(false);
    }

    private async Task RemoveWatchAsync(string path, WatcherType type, CancellationToken cancellationToken)
    {
        try
        {
            // While disconnected, remove ours only; the server's watch fires once more and is ignored.
            var local = _client.State is not (ConnectionState.Connected or ConnectionState.ConnectedReadOnly);
            await _client.RemoveWatchesAsync(path, _providerWatcher, type, local, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException or OperationCanceledException)
        {
            // Already fired, never armed, or the client is gone: nothing left to remove.
        }
    }

    /// <summary>Builds the snapshot from the current providers; swaps it in and fires the old token when it differs.</summary>
    private void Publish()
    {
        IReadOnlyCollection<string> names;
        if (_recursive)
        {
            var sorted = new string[_providers.Count];
            _providers.Keys.CopyTo(sorted, 0);
            Array.Sort(sorted, StringComparer.Ordinal);
            names = sorted;
        }
        else
        {
            names = _view?.Children ?? [];
        }
        // Both modes list the names in ordinal order.
        var endpoints = new List<ZooKeeperServiceEndpoint>(names.Count);
        foreach (var name in names)
        {
            if (_providers.TryGetValue(name, out var provider) && EndpointOf(provider) is { } endpoint)
            {
                endpoints.Add(endpoint);
            }
        }
        var list = EndpointList.FromSorted(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(endpoints));
        Swap(list, changed: !Snapshot.List.SameAs(list));
    }

    /// <summary>
    /// The endpoint of <paramref name="provider"/> as of its last read: the one made before when its properties are the
    /// same, a new one when they changed, null when it has none (not read yet, gone, unreadable or unusable: logged once
    /// per version of its data).
    /// </summary>
    private ZooKeeperServiceEndpoint? EndpointOf(Provider provider)
    {
        // What the endpoint is made from: the plain data as read, the properties of a Curator instance or of data that
        // needed a full parse, or the view of a provider with property links.
        object? source;
        NodeProperties? properties = null;
        string? linkedPath = null;
        if (provider.Linked is { } linked)
        {
            source = properties = linked.IsDeleted ? null : linked.Properties;
            linkedPath = linked.RealPath;
        }
        else
        {
            source = (object?)provider.Data ?? (properties = provider.Stored);
        }
        if (source is null)
        {
            return null;
        }
        if (provider.Endpoint is { } existing && ReferenceEquals(provider.EndpointSource, source))
        {
            return existing;
        }
        if (ReferenceEquals(provider.RejectedSource, source))
        {
            return null;
        }
        ZooKeeperServiceEndpoint? endpoint;
        if (provider.Curator is { } instance)
        {
            if (!instance.IsEnabled || !instance.IsUp)
            {
                // Not to be called: disabled, or a status other than UP (draining, out of service), as Spring skips it.
                provider.RejectedSource = source;
                Log.InstanceNotUp(_logger, provider.Path, ServiceName, instance.IsEnabled, instance.InstanceStatus ?? "");
                return null;
            }
            _ = ZooKeeperServiceEndpoint.TryCreate(ServiceName, linkedPath ?? provider.Path, provider.Name, instance, properties!, this, out endpoint);
        }
        else if (properties is null)
        {
            _ = ZooKeeperServiceEndpoint.TryCreate(ServiceName, provider.Parent, provider.Name, provider.Data!, ProviderData.Scan(provider.Data), provider.CreatedMs, this, out endpoint);
        }
        else
        {
            _ = ZooKeeperServiceEndpoint.TryCreate(ServiceName, linkedPath ?? provider.Path, provider.Name, properties, provider.CreatedMs, this, out endpoint);
        }
        if (endpoint is not null)
        {
            if (provider.Endpoint is { } old)
            {
                endpoint.InheritLoad(old);
            }
            provider.Endpoint = endpoint;
            provider.EndpointSource = source;
            provider.RejectedSource = null;
            return endpoint;
        }
        provider.RejectedSource = source;
        Log.BadEndpoint(_logger, provider.Name, ServicePath);
        return null;
    }

    /// <summary>
    /// Publishes <paramref name="endpoints"/> when they <paramref name="changed"/> or the stale flag or the path's existence
    /// did: a new snapshot is swapped in, then the old one's token fires (consumers' callbacks run here, on this service's
    /// loop, after the new snapshot is visible).
    /// </summary>
    private void Swap(EndpointList endpoints, bool changed)
    {
        var previous = Snapshot;
        var isStale = _client.State is not (ConnectionState.Connected or ConnectionState.ConnectedReadOnly);
        var pathExists = _recursive ? _pathExists : _view is not null;
        if (changed || !previous.IsLoaded || previous.IsStale != isStale || previous.PathExists != pathExists)
        {
            var oldSource = _changeSource;
            _changeSource = new CancellationTokenSource();
            var snapshot = new ServiceEndpointSnapshot(ServiceName, ServicePath, endpoints, true, pathExists, isStale, new CancellationChangeToken(_changeSource.Token), _time.GetUtcNow());
            Volatile.Write(ref _snapshot, snapshot);
            Log.Changed(_logger, ServiceName, ServicePath, endpoints.Count, isStale);
            oldSource.Cancel();
        }
        _loaded.TrySetResult();
    }

    private async Task CloseViewAsync()
    {
        // In tree mode the providers hold no watch of their own.
        await ReleaseAsync([.. _providers.Values], removeWatches: !_recursive).ConfigureAwait(false);
        _providers.Clear();
        _providersParent = null;
        _viewSubscription?.Dispose();
        _viewSubscription = null;
        if (_view is { } view)
        {
            _view = null;
            await view.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>How the service is watched.</summary>
    private enum WatchMode
    {
        /// <summary>Not decided yet: the first passes try to add the recursive watch.</summary>
        Undecided,

        /// <summary>One persistent recursive watch on the service path (ServiceEndpointWatcher.Tree.cs).</summary>
        Tree,

        /// <summary>A live children view of the service path and a data watch on each provider.</summary>
        Children,
    }

    /// <summary>One child of the service path, as last read. Only the loop touches it.</summary>
    private sealed class Provider(string name, string parent)
    {
        public string Name { get; } = name;

        /// <summary>The path it is a child of (one string shared by every provider of the service).</summary>
        public string Parent { get; } = parent;

        /// <summary>Its node's path, made when asked for.</summary>
        public string Path => ZooKeeperPath.Combine(Parent, Name);

        /// <summary>True until its data was read (with a watch) since it was listed, its watch fired or a new session began.</summary>
        public bool NeedsRead { get; set; } = true;

        /// <summary>
        /// Its properties when its data needed a full parse (symbolic links left out), or a Curator instance's metadata;
        /// null when not read, gone, unreadable, plain (<see cref="Data"/>) or followed by <see cref="Linked"/>.
        /// </summary>
        public NodeProperties? Stored { get; set; }

        /// <summary>
        /// Its data as read when plain (no property links, <see cref="ProviderData.Scan"/> conclusive: scanned again, in
        /// well under a microsecond, when its endpoint is made); null otherwise.
        /// </summary>
        public byte[]? Data { get; set; }

        /// <summary>The view of a provider whose data holds property links.</summary>
        public LiveProperties? Linked { get; set; }

        public IDisposable? LinkedSubscription { get; set; }

        public long WarnedMzxid { get; set; } = -1;

        /// <summary>The Curator instance its data holds, when it holds one.</summary>
        public CuratorServiceInstance? Curator { get; set; }

        /// <summary>True when its last read found no node (it was deleted).</summary>
        public bool Gone { get; set; }

        /// <summary>When the node was created (its ctime, Unix ms), from its last read; 0 when not known.</summary>
        public long CreatedMs { get; set; }

        public ZooKeeperServiceEndpoint? Endpoint { get; set; }

        /// <summary>The data or properties <see cref="Endpoint"/> was made from.</summary>
        public object? EndpointSource { get; set; }

        /// <summary>The data or properties that made no usable endpoint (logged once).</summary>
        public object? RejectedSource { get; set; }

        /// <summary>Leaves it out of the list until it is read again.</summary>
        public void Forget()
        {
            NeedsRead = false;
            Stored = null;
            Data = null;
        }

        public async ValueTask ReleaseLinkedAsync()
        {
            LinkedSubscription?.Dispose();
            LinkedSubscription = null;
            if (Linked is { } linked)
            {
                Linked = null;
                await linked.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
