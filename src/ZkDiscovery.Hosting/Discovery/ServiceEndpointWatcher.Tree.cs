using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// The tree mode of the watcher (ZooKeeper 3.6+): one persistent recursive watch on the service path tells which
/// providers were created, deleted or changed, and only those are read, so the cost of a change does not grow with the
/// number of providers (a children watch re-reads the whole list on every event).
/// </summary>
/// <remarks>
/// <para>
/// The watch is added before the first listing, so no change falls between the two. A persistent watch does not report
/// what happened while the connection was down (the server re-arms it on reconnect without catching up), so every
/// reconnect and every new session is followed by one full resynchronisation: the children listed, every provider read
/// in multiRead batches. Events that arrive meanwhile are applied after it.
/// </para>
/// <para>
/// Publication is incremental: the providers that changed are merged into the previous snapshot's persistent list of
/// endpoints (<see cref="EndpointList"/>), which copies only the chunks they fall in.
/// </para>
/// <para>
/// ZooKeeper before 3.9 keeps one watch mode per session and path: a one-shot watch set on the service path itself through
/// the same client would replace this watch. Discovery sets none there in this mode; the registration of the app's own
/// nodes watches the nodes, not the service path. A service path that reaches its node through symbolic links is watched
/// with the children watch (the link nodes must be watched too), as are servers without persistent watches.
/// </para>
/// </remarks>
internal sealed partial class ServiceEndpointWatcher
{
    private readonly Action<WatchedEvent> _treeWatcher;
    // Written by the dispatcher and the state handler, taken by the loop.
    // Provider name → the last event about it: a deletion needs no read, anything else is read.
    private Dictionary<string, WatchEventType> _dirty = new(StringComparer.Ordinal);
    private int _resync;
    private int _rewatch;
    private int _republish;
    // Owned by the loop.
    private bool _recursive;
    private bool _pathExists;

    /// <summary>The data watcher of reads: none in tree mode (the recursive watch reports data changes).</summary>
    private Action<WatchedEvent>? DataWatcher => _recursive ? null : _providerWatcher;

    /// <summary>
    /// Adds the recursive watch and decides the mode: true for tree mode; false when the server has no persistent watches
    /// (before 3.6) or the path goes through a symbolic link, for the children watch; null when it cannot tell yet (not
    /// connected: the next state change signals another try).
    /// </summary>
    private async Task<bool?> TryStartTreeAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Rewatch and resync flags raised before this point are covered by what follows.
            Volatile.Write(ref _rewatch, 0);
            await _client.AddWatchAsync(ServicePath, _treeWatcher, AddWatchMode.PersistentRecursive, cancellationToken).ConfigureAwait(false);
            if (await _client.ExistsAsync(ServicePath, null, cancellationToken).ConfigureAwait(false) is null
                && await ResolvesThroughLinkAsync(cancellationToken).ConfigureAwait(false))
            {
                await RemoveTreeWatchAsync().ConfigureAwait(false);
                return false;
            }
            _recursive = true;
            Volatile.Write(ref _resync, 1);
            Log.TreeMode(_logger, ServiceName, ServicePath);
            return true;
        }
        catch (UnimplementedException)
        {
            return false;
        }
        catch (Exception ex) when (ex is ZooKeeperException or NodeLinkException)
        {
            // Not connected yet (or a link loop, reported by the children view later): the next state change wakes us.
            Log.LoadFailed(_logger, ServiceName, ServicePath, ex.Message);
            Publish();
            return null;
        }
    }

    /// <summary>True when the (missing) service path names an existing node through symbolic links.</summary>
    private async Task<bool> ResolvesThroughLinkAsync(CancellationToken cancellationToken)
    {
        try
        {
            var real = await new ZooKeeperNodes(_client).ResolvePathAsync(ServicePath, cancellationToken).ConfigureAwait(false);
            return !string.Equals(real, ServicePath, StringComparison.Ordinal);
        }
        catch (NoNodeException)
        {
            return false;
        }
    }

    /// <summary>One pass in tree mode: re-adds the watch, re-lists, reads what changed, republishes, as the flags ask.</summary>
    private async Task TreeStepAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _rewatch) != 0)
        {
            await RewatchAsync(cancellationToken).ConfigureAwait(false);
        }
        if (Interlocked.Exchange(ref _resync, 0) != 0)
        {
            Interlocked.Exchange(ref _republish, 0);
            lock (_changedLock)
            {
                _dirty.Clear();
            }
            await TracedAsync(static (w, ct) => w.ResyncAsync(ct), cancellationToken).ConfigureAwait(false);
        }
        Dictionary<string, WatchEventType>? dirty = null;
        lock (_changedLock)
        {
            if (_dirty.Count > 0)
            {
                dirty = _dirty;
                _dirty = new Dictionary<string, WatchEventType>(StringComparer.Ordinal);
            }
        }
        if (dirty is not null)
        {
            await TracedAsync((w, ct) => w.ApplyChangesAsync(dirty, ct), cancellationToken).ConfigureAwait(false);
        }
        if (Interlocked.Exchange(ref _republish, 0) != 0)
        {
            // A followed property link changed, or the connection state did (the stale flag): a full rebuild, which
            // sorts every provider, so only when asked for (a wake-up with nothing to do costs nothing).
            Publish();
        }
    }

    /// <summary>After a new session: the old session's watches are gone, the recursive watch is added again.</summary>
    private async Task RewatchAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _rewatch, 0);
        try
        {
            await _client.AddWatchAsync(ServicePath, _treeWatcher, AddWatchMode.PersistentRecursive, cancellationToken).ConfigureAwait(false);
        }
        catch (ZooKeeperException ex)
        {
            // Lost again: the next Connected state asks for both once more.
            Log.LoadFailed(_logger, ServiceName, ServicePath, ex.Message);
            Volatile.Write(ref _rewatch, 1);
        }
    }

    /// <summary>Lists the children and reads every provider: at the start, and after every reconnect.</summary>
    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _rewatch) != 0)
        {
            Volatile.Write(ref _resync, 1); // Without the watch a listing could miss what follows: wait for the next state change.
            return;
        }
        IReadOnlyList<string> names;
        try
        {
            names = (await _client.GetChildrenAsync(ServicePath, null, cancellationToken).ConfigureAwait(false)).Children;
        }
        catch (NoNodeException)
        {
            if (_pathExists || !Snapshot.IsLoaded)
            {
                Log.Missing(_logger, ServiceName, ServicePath);
            }
            _pathExists = false;
            await ReleaseAsync([.. _providers.Values], removeWatches: false).ConfigureAwait(false);
            _providers.Clear();
            Publish();
            return;
        }
        catch (ZooKeeperException ex)
        {
            Log.LoadFailed(_logger, ServiceName, ServicePath, ex.Message);
            Volatile.Write(ref _resync, 1);
            Publish(); // Stale, with the last list.
            return;
        }
        _pathExists = true;
        if (names.Count > ReadsPerBatch)
        {
            await LeaveReaderThreadAsync().ConfigureAwait(false); // A whole service to take in: not on the connection's reader thread.
        }
        await DropUnlistedAsync(names).ConfigureAwait(false);
        var toRead = new List<Provider>(names.Count);
        foreach (var name in names)
        {
            if (!_providers.TryGetValue(name, out var provider))
            {
                provider = new Provider(name, ServicePath);
                _providers.Add(name, provider);
            }
            toRead.Add(provider); // One with a property-link view keeps it; the read tells whether the node is still there.
        }
        if (toRead.Count > 0)
        {
            await ReadAsync(toRead, cancellationToken).ConfigureAwait(false);
        }
        await RemoveGoneAsync().ConfigureAwait(false);
        Publish();
    }

    /// <summary>Reads the providers whose nodes were created, deleted or changed, and merges them into the snapshot.</summary>
    private async Task ApplyChangesAsync(Dictionary<string, WatchEventType> names, CancellationToken cancellationToken)
    {
        if (!_pathExists)
        {
            Volatile.Write(ref _resync, 1); // A child appeared under a path we saw missing: list it.
            Signal();
            return;
        }
        var toRead = new List<Provider>(names.Count);
        foreach (var (name, last) in names)
        {
            if (last == WatchEventType.NodeDeleted)
            {
                // Events come in order: had it been created again, that event would have come after this one.
                if (_providers.TryGetValue(name, out var deleted))
                {
                    deleted.Gone = true;
                }
                continue;
            }
            if (!_providers.TryGetValue(name, out var provider))
            {
                provider = new Provider(name, ServicePath);
                _providers.Add(name, provider);
            }
            toRead.Add(provider);
        }
        if (toRead.Count > 0)
        {
            await ReadAsync(toRead, cancellationToken).ConfigureAwait(false);
        }
        // Only the named providers can have gone: dropping them costs nothing per provider of the service.
        List<Provider>? gone = null;
        foreach (var name in names.Keys)
        {
            if (_providers.TryGetValue(name, out var provider) && provider.Gone)
            {
                _providers.Remove(name);
                (gone ??= []).Add(provider);
            }
        }
        if (gone is not null)
        {
            await ReleaseAsync(gone, removeWatches: false).ConfigureAwait(false);
        }
        PublishChanges(names);
    }

    /// <summary>Drops the providers whose last read found no node.</summary>
    private Task RemoveGoneAsync() => DropAsync(static provider => provider.Gone);

    /// <summary>
    /// Merges the endpoints of <paramref name="names"/> into the previous snapshot's list: the chunks they fall in are
    /// copied, every other chunk is shared, whatever the number of providers.
    /// </summary>
    private void PublishChanges(Dictionary<string, WatchEventType> names)
    {
        var changes = new List<(string Name, ZooKeeperServiceEndpoint? Endpoint)>(names.Count);
        foreach (var name in names.Keys)
        {
            changes.Add((name, _providers.TryGetValue(name, out var provider) ? EndpointOf(provider) : null));
        }
        changes.Sort(static (x, y) => string.CompareOrdinal(x.Name, y.Name));
        var list = Snapshot.List.With(changes, out var changed);
        Swap(list, changed);
    }

    /// <summary>The recursive watch; runs on the client's dispatcher, so it only notes and wakes.</summary>
    private void OnTreeEvent(WatchedEvent e)
    {
        if (e.Path is not { } path)
        {
            if (e.Type == WatchEventType.None && e.State == KeeperState.Expired)
            {
                Volatile.Write(ref _rewatch, 1);
                Volatile.Write(ref _resync, 1);
                Signal();
            }
            return;
        }
        if (string.Equals(path, ServicePath, StringComparison.Ordinal))
        {
            if (e.Type is WatchEventType.NodeCreated or WatchEventType.NodeDeleted)
            {
                Volatile.Write(ref _resync, 1);
                Signal();
            }
            else if (e.Type == WatchEventType.PersistentWatchRemoved && !_loop.Stopping.IsCancellationRequested)
            {
                Volatile.Write(ref _rewatch, 1);
                Volatile.Write(ref _resync, 1);
                Signal();
            }
            return;
        }
        // Only the service path's own children are providers; deeper nodes are theirs.
        if (path.Length <= ServicePath.Length + 1
            || !path.StartsWith(ServicePath, StringComparison.Ordinal)
            || (ServicePath.Length > 1 && path[ServicePath.Length] != '/')
            || path.IndexOf('/', ServicePath.Length + 1) >= 0)
        {
            return;
        }
        if (e.Type is WatchEventType.NodeCreated or WatchEventType.NodeDeleted or WatchEventType.NodeDataChanged)
        {
            var name = path[(ServicePath.Length == 1 ? 1 : ServicePath.Length + 1)..];
            lock (_changedLock)
            {
                _dirty[name] = e.Type;
            }
            // On the dispatcher, where the read this pass makes resumes anyway: the pass starts here, without a hop.
            _loop.SignalInline();
        }
    }

    /// <summary>The state handler's part in tree mode: a reconnect may have hidden changes, a new session lost the watch.</summary>
    private void OnTreeStateChanged(ConnectionStateChangedEventArgs e, bool newSession)
    {
        if (newSession)
        {
            Volatile.Write(ref _rewatch, 1);
        }
        if (e.State is ConnectionState.Connected or ConnectionState.ConnectedReadOnly)
        {
            Volatile.Write(ref _resync, 1);
        }
        Volatile.Write(ref _republish, 1);
    }

    private async Task RemoveTreeWatchAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), TimeProvider.System);
        try
        {
            var local = _client.State is not (ConnectionState.Connected or ConnectionState.ConnectedReadOnly);
            await _client.RemoveWatchesAsync(ServicePath, _treeWatcher, WatcherType.Any, local, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException or OperationCanceledException)
        {
            // Never added, or the client is gone: nothing left to remove.
        }
    }
}
