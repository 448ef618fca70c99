using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Recipes;

/// <summary>
/// A held <see cref="ZooKeeperLock"/>. Dispose it (<c>await using</c>) or call <see cref="ReleaseAsync"/> to release the
/// lock. Watch <see cref="IsHeld"/>, <see cref="LockLost"/> or <see cref="Lost"/> to learn that the lock was lost
/// (session expired, client closed, or the lock node deleted by someone else): from then on another participant may
/// hold it, so work protected by the lock must stop.
/// </summary>
/// <remarks>
/// <see cref="LockLost"/> is cancelled and <see cref="Lost"/> raised on the client's event dispatcher; handlers must
/// not block. While the connection is only suspended the lock counts as held.
/// </remarks>
public sealed class ZooKeeperLockHandle : IAsyncDisposable
{
    private const int Held = 0;
    private const int Releasing = 1;
    private const int Released = 2;
    private const int LostState = 3;

    private readonly ZooKeeperLock _owner;
    private readonly CancellationTokenSource _lost = new();
    private readonly EventHandler<ConnectionStateChangedEventArgs> _stateHandler;
    private readonly Action<WatchedEvent> _nodeWatcher;
    private int _state;
    // Why the lock was lost while a release was under way; reported if the release then fails.
    private string? _lossWhileReleasing;

    private ZooKeeperLockHandle(ZooKeeperLock owner, string nodePath, ZooKeeperLockHolder holder)
    {
        _owner = owner;
        NodePath = nodePath;
        Holder = holder;
        _stateHandler = OnStateChanged;
        _nodeWatcher = OnNodeEvent;
    }

    /// <summary>Raised once when the lock is lost (not when it is released); the argument is the handle.</summary>
    public event EventHandler? Lost;

    /// <summary>The path of this participant's lock node.</summary>
    public string NodePath { get; }

    /// <summary>This participant's identity, with the sequence of its lock node.</summary>
    public ZooKeeperLockHolder Holder { get; }

    /// <summary>The data version of the lock node when the lock was acquired.</summary>
    public int Version { get; private set; }

    /// <summary>True until the lock is released or lost.</summary>
    public bool IsHeld => Volatile.Read(ref _state) is Held or Releasing;

    /// <summary>True when the lock was lost rather than released.</summary>
    public bool IsLost => Volatile.Read(ref _state) == LostState;

    /// <summary>Cancelled when the lock is lost (not when it is released). Pass it to the work the lock protects.</summary>
    public CancellationToken LockLost { get; private set; }

    internal static async Task<ZooKeeperLockHandle?> StartAsync(ZooKeeperLock owner, string nodePath, ZooKeeperLockHolder holder, CancellationToken cancellationToken)
    {
        var handle = new ZooKeeperLockHandle(owner, nodePath, holder);
        handle.LockLost = handle._lost.Token;
        var client = owner.Client;
        client.StateChanged += handle._stateHandler;
        try
        {
            // Checked after subscribing, so an expiry in between is not missed: on a new session the node is gone.
            var stat = await client.ExistsAsync(nodePath, handle._nodeWatcher, cancellationToken).ConfigureAwait(false);
            if (stat is null)
            {
                client.StateChanged -= handle._stateHandler;
                handle._lost.Dispose();
                return null;
            }
            handle.Version = stat.Version;
            return handle;
        }
        catch
        {
            client.StateChanged -= handle._stateHandler;
            handle._lost.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Releases the lock with one delete request, without retrying or waiting. Deleting a node that is already gone
    /// counts as released.
    /// </summary>
    /// <param name="cancellationToken">Abandons the requests.</param>
    /// <returns>
    /// Whether the lock was released, and who holds the lock afterwards (the next waiter, or null) with its node's
    /// version. Not succeeded when the lock was already lost or the request failed (e.g. connection loss): the lock may
    /// then still be held, see <see cref="IsHeld"/>.
    /// </returns>
    public async Task<ZooKeeperLockAttempt> TryReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, Releasing, Held) != Held)
        {
            var current = await _owner.GetHolderAsync(cancellationToken).ConfigureAwait(false);
            return new ZooKeeperLockAttempt(Volatile.Read(ref _state) == Released, current.Holder, current.Version, null);
        }
        try
        {
            await _owner.Client.DeleteAsync(NodePath, -1, cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
        }
        catch (Exception e) when (e is ZooKeeperException or OperationCanceledException)
        {
            ReleaseFailed();
            var holder = await TryGetHolderAsync(cancellationToken).ConfigureAwait(false);
            return new ZooKeeperLockAttempt(false, holder.Holder, holder.Version, null);
        }
        FinishRelease();
        var next = await TryGetHolderAsync(cancellationToken).ConfigureAwait(false);
        return new ZooKeeperLockAttempt(true, next.Holder, next.Version, null);
    }

    /// <summary>Releases the lock, retrying transient errors. Does nothing when it is already released or lost.</summary>
    /// <param name="cancellationToken">Abandons the retries.</param>
    /// <exception cref="ZooKeeperException">The node could not be deleted; it goes with the session at the latest.</exception>
    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, Releasing, Held) != Held)
        {
            return;
        }
        try
        {
            await _owner.Client.ExecuteWithRetryAsync(ct => _owner.Client.DeleteAsync(NodePath, -1, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
        }
        catch
        {
            ReleaseFailed();
            throw;
        }
        FinishRelease();
    }

    /// <summary>Releases the lock (see <see cref="ReleaseAsync"/>); errors are logged, not thrown. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ZooKeeperException or ObjectDisposedException)
        {
            ZooKeeperLock.Log.ReleaseFailed(_owner.Logger, NodePath, e.Message);
            Detach();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{_owner.Path} held by {Holder}";

    private async Task<(ZooKeeperLockHolder? Holder, int Version)> TryGetHolderAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _owner.GetHolderAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ZooKeeperException or OperationCanceledException)
        {
            return (null, -1);
        }
    }

    private void FinishRelease()
    {
        Volatile.Write(ref _state, Released);
        Detach();
        ZooKeeperLock.Log.Released(_owner.Logger, _owner.Path, NodePath);
    }

    /// <summary>
    /// A release that did not delete the node: the lock is held again, unless it was lost meanwhile (the session expired
    /// or the client closed while the delete waited), which is reported now.
    /// </summary>
    private void ReleaseFailed()
    {
        if (Interlocked.CompareExchange(ref _state, Held, Releasing) == Releasing
            && Interlocked.Exchange(ref _lossWhileReleasing, null) is { } reason)
        {
            MarkLost(reason);
        }
    }

    private void Detach() => _owner.Client.StateChanged -= _stateHandler;

    private void OnStateChanged(object? sender, ConnectionStateChangedEventArgs e)
    {
        if (e.State is ConnectionState.Expired or ConnectionState.Closed or ConnectionState.AuthFailed || e.IsNewSession)
        {
            MarkLost(e.State == ConnectionState.Closed ? "the client closed" : "the session expired");
        }
    }

    private void OnNodeEvent(WatchedEvent e)
    {
        if (e.IsWatchLost || e.Type == WatchEventType.NodeDeleted)
        {
            MarkLost(e.Type == WatchEventType.NodeDeleted ? "the lock node was deleted" : "the session ended");
            return;
        }
        if (e.Type != WatchEventType.None && IsHeld)
        {
            // Data changed: re-arm (fire and forget); an error here means the session is going, which the state handler reports.
            _ = RearmAsync();
        }
    }

    private async Task RearmAsync()
    {
        try
        {
            if (await _owner.Client.ExistsAsync(NodePath, _nodeWatcher).ConfigureAwait(false) is null)
            {
                MarkLost("the lock node was deleted");
            }
        }
        catch (Exception e) when (e is ZooKeeperException or ObjectDisposedException)
        {
        }
    }

    private void MarkLost(string reason)
    {
        var previous = Interlocked.CompareExchange(ref _state, LostState, Held);
        if (previous == Releasing)
        {
            // A release in progress deletes the node itself; that is not a loss if it succeeds. Should it fail, the loss
            // is reported then (ReleaseFailed), or here if the release went back to held in the meantime.
            Volatile.Write(ref _lossWhileReleasing, reason);
            previous = Interlocked.CompareExchange(ref _state, LostState, Held);
        }
        if (previous != Held)
        {
            return;
        }
        Detach();
        ZooKeeperLock.Log.Lost(_owner.Logger, _owner.Path, NodePath, reason);
        _lost.Cancel();
        Lost?.Invoke(this, EventArgs.Empty);
    }
}
