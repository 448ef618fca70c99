using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZkDiscovery.Recipes;

/// <summary>
/// Waits driven by watches (no polling): until a node's data version exceeds a number, or until a node is absent.
/// Each wait leaves a one-shot exists watch, re-arms it after it fires, and re-checks on the new session when the
/// session expires while waiting.
/// </summary>
public static partial class ZooKeeperWaits
{
    /// <summary>
    /// Waits until the node at <paramref name="path"/> exists with a data version greater than <paramref name="version"/>
    /// (returns at once if it already does).
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="path">The node's path; it need not exist yet.</param>
    /// <param name="version">The version to exceed; -1 to wait only for the node to exist.</param>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="timeProvider">The clock for the timeout; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where re-arming is logged (debug); nothing when null.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <returns>The node's data and metadata, read after the version passed <paramref name="version"/>.</returns>
    /// <exception cref="TimeoutException">The version did not pass <paramref name="version"/> in time; the message names the path.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<NodeData> WaitForVersionAsync(
        ZooKeeperClient client,
        string path,
        int version,
        TimeSpan timeout,
        TimeProvider? timeProvider = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ZooKeeperPath.Validate(path);
        return await WaitAsync(client, path, timeout, timeProvider, logger, $"version > {version}", async (watcher, ct) =>
        {
            var stat = await client.ExistsAsync(path, watcher, ct).ConfigureAwait(false);
            if (stat is null || stat.Version <= version)
            {
                return (false, default);
            }
            try
            {
                var data = await client.GetDataAsync(path, null, ct).ConfigureAwait(false);
                return (data.Stat.Version > version, data);
            }
            catch (NoNodeException)
            {
                return (false, default);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until no node exists at <paramref name="path"/> (returns at once if none does).</summary>
    /// <param name="client">The client.</param>
    /// <param name="path">The node's path.</param>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="timeProvider">The clock for the timeout; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where re-arming is logged (debug); nothing when null.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <exception cref="TimeoutException">The node still existed when the time was up; the message names the path.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task WaitUntilAbsentAsync(
        ZooKeeperClient client,
        string path,
        TimeSpan timeout,
        TimeProvider? timeProvider = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ZooKeeperPath.Validate(path);
        await WaitAsync(client, path, timeout, timeProvider, logger, "absent", async (watcher, ct) =>
        {
            var stat = await client.ExistsAsync(path, watcher, ct).ConfigureAwait(false);
            return (stat is null, true);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> WaitAsync<T>(
        ZooKeeperClient client,
        string path,
        TimeSpan timeout,
        TimeProvider? timeProvider,
        ILogger? logger,
        string condition,
        Func<Action<WatchedEvent>, CancellationToken, Task<(bool Done, T Result)>> check,
        CancellationToken cancellationToken)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        }
        var time = timeProvider ?? TimeProvider.System;
        logger ??= NullLogger.Instance;
        using var timeoutCts = timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
        var token = linked.Token;
        Action<WatchedEvent>? watcher = null;
        try
        {
            while (true)
            {
                token.ThrowIfCancellationRequested();
                var fired = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
                watcher = e => fired.TrySetResult(e);
                bool done;
                T result;
                try
                {
                    (done, result) = await check(watcher, token).ConfigureAwait(false);
                }
                catch (SessionExpiredException)
                {
                    // The request met the expiry; requests wait for the new session, so check again there.
                    watcher = null;
                    continue;
                }
                if (done)
                {
                    return result;
                }
                var e = await fired.Task.WaitAsync(token).ConfigureAwait(false);
                watcher = null;
                if (e.State == KeeperState.Closed)
                {
                    throw new ObjectDisposedException(nameof(ZooKeeperClient), $"The client closed while waiting for {path} ({condition}).");
                }
                // A change, or the session expired (the watch is gone): re-check, on the new session if need be.
                Log.Rearmed(logger, path, e.Type, e.State);
            }
        }
        catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {timeout} waiting for {path} to be {condition}.");
        }
        finally
        {
            if (watcher is not null)
            {
                await RemoveWatcherAsync(client, path, watcher).ConfigureAwait(false);
            }
        }
    }

    private static async Task RemoveWatcherAsync(ZooKeeperClient client, string path, Action<WatchedEvent> watcher)
    {
        try
        {
            // Local removal: no request needed, and the server's one-shot watch, if it fires, is then ignored.
            await client.RemoveWatchesAsync(path, watcher, WatcherType.Data, local: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ZooKeeperException or ObjectDisposedException)
        {
            // The watch already fired or was never armed.
        }
    }
}
