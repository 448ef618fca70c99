using System.Globalization;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZkDiscovery.Recipes;

/// <summary>
/// A distributed mutual-exclusion lock on a ZooKeeper path. Each participant creates an ephemeral sequential node
/// under the path; the lowest sequence holds the lock and every other participant watches only the node just before
/// its own, so a release wakes one waiter (no herd effect).
/// </summary>
/// <remarks>
/// <para>
/// Lock nodes are named <c>_c_GUID-lock-SEQUENCE</c> (Curator's protected mode): when the connection drops while a
/// node is being created, the participant finds its own node again by the GUID instead of leaving an orphan that
/// would block everybody until the session ends. A node's data is its <see cref="ZooKeeperLockHolder"/> without the
/// sequence (<c>NODEID@HOST/PID</c>).
/// </para>
/// <para>
/// A <see cref="ZooKeeperLock"/> is a factory of acquisitions and is thread-safe; it holds no state between calls.
/// Acquisitions are not re-entrant: each call is a new participant. While the connection is suspended the lock is
/// still held (the session may be alive); it is reported lost (<see cref="ZooKeeperLockHandle.LockLost"/>) when the
/// session expires, the client closes, or the lock node is deleted by someone else.
/// </para>
/// </remarks>
public sealed partial class ZooKeeperLock
{
    private const string LockMarker = "-lock-";
    private static readonly Lazy<string> s_hostAddress = new(FindHostAddress);

    private readonly ZooKeeperClient _client;
    private readonly IReadOnlyList<ZooKeeperAcl>? _acl;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a lock on <paramref name="path"/>.</summary>
    /// <param name="client">The client; it stays owned by the caller.</param>
    /// <param name="path">The lock's path; created (with parents) on first use.</param>
    /// <param name="nodeId">This participant's name in <see cref="ZooKeeperLockHolder.NodeId"/>; a new GUID when null.</param>
    /// <param name="acl">The ACL of the lock nodes and of the path when created; <see cref="ZooKeeperAcl.OpenUnsafe"/> when null.</param>
    /// <param name="logger">Where acquisitions, releases and losses are logged; nothing is logged when null.</param>
    /// <param name="timeProvider">The clock for timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentException">The path is invalid or the root.</exception>
    public ZooKeeperLock(ZooKeeperClient client, string path, string? nodeId = null, IReadOnlyList<ZooKeeperAcl>? acl = null, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ZooKeeperPath.Validate(path);
        if (path == "/")
        {
            throw new ArgumentException("The lock path must not be the root.", nameof(path));
        }
        _client = client;
        Path = path;
        NodeId = string.IsNullOrEmpty(nodeId) ? Guid.NewGuid().ToString("N") : nodeId;
        _acl = acl;
        _logger = logger ?? NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The lock's path; the participants' nodes are its children.</summary>
    public string Path { get; }

    /// <summary>This participant's name, as in <see cref="ZooKeeperLockHolder.NodeId"/>.</summary>
    public string NodeId { get; }

    internal ZooKeeperClient Client => _client;

    internal ILogger Logger => _logger;

    /// <summary>
    /// Waits until the lock is acquired. Dispose the handle (<c>await using</c>) to release it.
    /// </summary>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> to wait until cancelled.</param>
    /// <param name="cancellationToken">Abandons the wait; the participant's node is removed.</param>
    /// <returns>The handle of the held lock.</returns>
    /// <exception cref="TimeoutException">The lock was not acquired within <paramref name="timeout"/>; the participant's node is removed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ZooKeeperException">A ZooKeeper error that retries could not overcome (e.g. <see cref="NoAuthException"/>).</exception>
    public async Task<ZooKeeperLockHandle> AcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        }
        using var timeoutCts = timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
        try
        {
            var attempt = await AcquireCoreAsync(wait: true, linked.Token).ConfigureAwait(false);
            return attempt.Handle!;
        }
        catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The lock {Path} was not acquired within {timeout}.");
        }
    }

    /// <summary>
    /// Acquires the lock if nobody holds it, without waiting for a holder. Only the requests needed to find out are made.
    /// </summary>
    /// <param name="cancellationToken">Abandons the requests.</param>
    /// <returns>Whether the lock was acquired, who holds it and the holder node's version, and the handle when acquired.</returns>
    /// <exception cref="ZooKeeperException">A ZooKeeper error that retries could not overcome.</exception>
    public Task<ZooKeeperLockAttempt> TryAcquireAsync(CancellationToken cancellationToken = default) =>
        AcquireCoreAsync(wait: false, cancellationToken);

    /// <summary>Reads who holds the lock now.</summary>
    /// <param name="cancellationToken">Abandons the reads.</param>
    /// <returns>The holder and its node's data version, or (null, -1) when nobody holds the lock.</returns>
    public async Task<(ZooKeeperLockHolder? Holder, int Version)> GetHolderAsync(CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            IReadOnlyList<string> children;
            try
            {
                children = (await _client.GetChildrenAsync(Path, null, cancellationToken).ConfigureAwait(false)).Children;
            }
            catch (NoNodeException)
            {
                return (null, -1);
            }
            var sorted = Sort(children);
            if (sorted.Count == 0)
            {
                return (null, -1);
            }
            if (await ReadHolderAsync(sorted[0], cancellationToken).ConfigureAwait(false) is { } holder)
            {
                return holder;
            }
        }
        return (null, -1);
    }

    private async Task<ZooKeeperLockAttempt> AcquireCoreAsync(bool wait, CancellationToken cancellationToken)
    {
        var prefix = "_c_" + Guid.NewGuid().ToString("N") + LockMarker;
        var identity = new ZooKeeperLockHolder(NodeId, s_hostAddress.Value, Environment.ProcessId, -1);
        var data = Encoding.UTF8.GetBytes(identity.ToNodeData());
        string? node = null;
        var created = false;
        var acquired = false;
        try
        {
            if (!wait && await GetHolderAsync(cancellationToken).ConfigureAwait(false) is { Holder: { } current } held)
            {
                return new ZooKeeperLockAttempt(false, current, held.Version, null);
            }
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    created = true;
                    node ??= await CreateOwnNodeAsync(prefix, data, cancellationToken).ConfigureAwait(false);
                    var name = ZooKeeperPath.GetName(node);
                    var sorted = Sort((await _client.GetChildrenAsync(Path, null, cancellationToken).ConfigureAwait(false)).Children);
                    var index = sorted.IndexOf(name);
                    if (index < 0)
                    {
                        // The session expired since the node was created: the node is gone; take a new place in the queue.
                        node = null;
                        continue;
                    }
                    if (index == 0)
                    {
                        var handle = await ZooKeeperLockHandle.StartAsync(this, node, identity with { Sequence = SequenceOf(name) }, cancellationToken).ConfigureAwait(false);
                        if (handle is null)
                        {
                            node = null;
                            continue;
                        }
                        acquired = true; // the node is owned by the handle now
                        Log.Acquired(_logger, Path, handle.NodePath);
                        return new ZooKeeperLockAttempt(true, handle.Holder, handle.Version, handle);
                    }
                    if (!wait)
                    {
                        var holder = await ReadHolderAsync(sorted[0], cancellationToken).ConfigureAwait(false);
                        return new ZooKeeperLockAttempt(false, holder?.Holder, holder?.Version ?? -1, null);
                    }
                    var predecessor = ZooKeeperPath.Combine(Path, sorted[index - 1]);
                    var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    if (await _client.ExistsAsync(predecessor, _ => woken.TrySetResult(), cancellationToken).ConfigureAwait(false) is null)
                    {
                        continue;
                    }
                    Log.Waiting(_logger, Path, predecessor);
                    await woken.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (SessionExpiredException)
                {
                    // Ephemeral nodes of the old session are gone; start again on the new session.
                    node = null;
                }
            }
        }
        finally
        {
            if (created && !acquired)
            {
                await DeleteOwnNodesAsync(prefix).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Creates the participant's node. When the create fails with a connection loss the request may still have been
    /// applied: the children are listed and a node with this attempt's GUID prefix is taken as ours. When that listing
    /// fails too, every retry lists before it creates, so a create applied earlier is never doubled (a second node
    /// would queue the participant behind its own first one).
    /// </summary>
    private Task<string> CreateOwnNodeAsync(string prefix, byte[] data, CancellationToken cancellationToken)
    {
        var retry = false;
        return _client.ExecuteWithRetryAsync(async ct =>
        {
            if (retry && await FindOwnNodeAsync(prefix, ct).ConfigureAwait(false) is { } earlier)
            {
                Log.NodeRecovered(_logger, earlier);
                return earlier;
            }
            retry = true;
            try
            {
                return (await _client.CreateAsync(ZooKeeperPath.Combine(Path, prefix), data, CreateMode.EphemeralSequential, _acl, null, ct).ConfigureAwait(false)).Path;
            }
            catch (NoNodeException)
            {
                await _client.EnsurePathAsync(Path, _acl, ct).ConfigureAwait(false);
                return (await _client.CreateAsync(ZooKeeperPath.Combine(Path, prefix), data, CreateMode.EphemeralSequential, _acl, null, ct).ConfigureAwait(false)).Path;
            }
            catch (ZooKeeperException e) when (e.IsTransient)
            {
                if (await FindOwnNodeAsync(prefix, ct).ConfigureAwait(false) is { } found)
                {
                    Log.NodeRecovered(_logger, found);
                    return found;
                }
                throw;
            }
        }, cancellationToken);
    }

    private async Task<string?> FindOwnNodeAsync(string prefix, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> children;
        try
        {
            children = (await _client.GetChildrenAsync(Path, null, cancellationToken).ConfigureAwait(false)).Children;
        }
        catch (NoNodeException)
        {
            return null; // No lock path, no node of ours: the create (which makes the path) comes next.
        }
        var own = children.FirstOrDefault(c => c.StartsWith(prefix, StringComparison.Ordinal));
        return own is null ? null : ZooKeeperPath.Combine(Path, own);
    }

    /// <summary>Removes any node of this attempt (found by its GUID prefix); best effort, never throws.</summary>
    private async Task DeleteOwnNodesAsync(string prefix)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10), _timeProvider);
            var children = (await _client.GetChildrenAsync(Path, null, cts.Token).ConfigureAwait(false)).Children;
            foreach (var child in children.Where(c => c.StartsWith(prefix, StringComparison.Ordinal)))
            {
                try
                {
                    await _client.ExecuteWithRetryAsync(ct => _client.DeleteAsync(ZooKeeperPath.Combine(Path, child), -1, ct), cts.Token).ConfigureAwait(false);
                }
                catch (NoNodeException)
                {
                }
            }
        }
        catch (Exception e) when (e is ZooKeeperException or OperationCanceledException or ObjectDisposedException)
        {
            // The node is ephemeral: it goes with the session at the latest.
            Log.ReleaseFailed(_logger, Path, e.Message);
        }
    }

    private async Task<(ZooKeeperLockHolder Holder, int Version)?> ReadHolderAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var data = await _client.GetDataAsync(ZooKeeperPath.Combine(Path, name), null, cancellationToken).ConfigureAwait(false);
            return (ZooKeeperLockHolder.FromNodeData(Encoding.UTF8.GetString(data.Data), SequenceOf(name)), data.Stat.Version);
        }
        catch (NoNodeException)
        {
            return null;
        }
    }

    /// <summary>The lock nodes among <paramref name="children"/>, lowest sequence first.</summary>
    internal static List<string> Sort(IEnumerable<string> children) =>
        children.Where(c => SequenceOf(c) >= 0).OrderBy(SequenceOf).ThenBy(c => c, StringComparer.Ordinal).ToList();

    internal static long SequenceOf(string name)
    {
        var marker = name.LastIndexOf(LockMarker, StringComparison.Ordinal);
        return marker >= 0 && long.TryParse(name.AsSpan(marker + LockMarker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : -1;
    }

    private static string FindHostAddress()
    {
        try
        {
            var addresses = NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork)
                .ToList();
            var address = addresses.FirstOrDefault(a => !System.Net.IPAddress.IsLoopback(a)) ?? addresses.FirstOrDefault();
            return address?.ToString() ?? "127.0.0.1";
        }
        catch (NetworkInformationException)
        {
            return "127.0.0.1";
        }
        catch (PlatformNotSupportedException)
        {
            return "127.0.0.1";
        }
    }
}
