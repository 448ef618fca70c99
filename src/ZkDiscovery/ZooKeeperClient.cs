using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using ZkDiscovery.Connection;
using ZkDiscovery.Diagnostics;

namespace ZkDiscovery;

/// <summary>
/// A ZooKeeper client: one session, kept alive across connection losses and server failures, re-created after
/// expiry. Requests are pipelined on one socket and answered in order. Thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// The client connects in the background once <see cref="Start"/>, <see cref="ConnectAsync(ZooKeeperClientOptions, ILoggerFactory?, TimeSpan?, CancellationToken)"/> or any
/// operation is called. When the connection drops, requests in flight fail with <see cref="ConnectionLossException"/>
/// (reads are retried, see <see cref="ZooKeeperRetryOptions"/>), the state becomes <see cref="ConnectionState.Suspended"/>
/// and the client reconnects to the next server with the same session; watches are re-armed there. When the server
/// expires the session, the state becomes <see cref="ConnectionState.Expired"/>, every watcher receives a
/// <see cref="WatchedEvent"/> with <see cref="KeeperState.Expired"/>, and the client creates a new session
/// (<see cref="ConnectionStateChangedEventArgs.IsNewSession"/>): ephemeral nodes and watches must then be re-created
/// by their owners.
/// </para>
/// <para>
/// Watch callbacks and <see cref="StateChanged"/> handlers run one at a time, in order, on a dispatcher of their own —
/// never on the socket loop. A callback must not block for long: later events wait for it.
/// </para>
/// </remarks>
public sealed partial class ZooKeeperClient : IAsyncDisposable
{
    private readonly SessionDriver _driver;
    private readonly ZooKeeperMetrics _metrics;
    private readonly ResiliencePipeline? _retryPipeline;
    private readonly RequestRetrier? _retrier;
    private readonly ILogger _logger;
    private readonly int _maxDataSize;

    /// <summary>Creates a client for <paramref name="connectionString"/> with default options. It connects when first used.</summary>
    /// <param name="connectionString">The servers and optional chroot, e.g. <c>127.0.0.1:2181/app</c>.</param>
    /// <exception cref="FormatException">The connection string is invalid.</exception>
    public ZooKeeperClient(string connectionString)
        : this(new ZooKeeperClientOptions { ConnectionString = connectionString })
    {
    }

    /// <summary>
    /// Creates a client. It connects when <see cref="Start"/> or an operation is called; the other way to connect is
    /// <see cref="ConnectAsync(ZooKeeperClientOptions, ILoggerFactory?, TimeSpan?, CancellationToken)"/>, which also waits.
    /// </summary>
    /// <param name="options">The settings; read once, here.</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when null.</param>
    /// <param name="timeProvider">The clock for timers; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="meterFactory">Creates the <c>ZkDiscovery</c> meter; a shared static meter is used when null.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="FormatException">The connection string is invalid.</exception>
    public ZooKeeperClient(ZooKeeperClientOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<ZooKeeperClient>() ?? NullLogger.Instance;
        _metrics = new ZooKeeperMetrics(meterFactory);
        _maxDataSize = options.MaxFrameSize;
        _retryPipeline = BuildRetryPipeline(options.Retry, options.Retry.MaxRetryAttempts, time);
        // A failed request's first retry is the pipeline's first attempt, so the pipeline itself retries one time less.
        if (options.Retry.MaxRetryAttempts > 0)
        {
            _retrier = new RequestRetrier(this, BuildRetryPipeline(options.Retry, options.Retry.MaxRetryAttempts - 1, time) ?? ResiliencePipeline.Empty);
        }
        _driver = new SessionDriver(options, _logger, time, _metrics, CaptureStateHandlers);
        Chroot = _driver.Context.Chroot;
    }

    /// <summary>
    /// Raised on every change of <see cref="State"/>, in order, on the client's event dispatcher
    /// (the same one that runs watch callbacks).
    /// </summary>
    /// <remarks>
    /// A handler hears of the changes made after it was added, even when the dispatcher is still busy with earlier
    /// ones: a handler added once the client is connected is not told of that connection (read <see cref="State"/>
    /// after adding it), and is told of every change after it.
    /// </remarks>
    public event EventHandler<ConnectionStateChangedEventArgs>? StateChanged;

    /// <summary>The current state of the connection and session.</summary>
    public ConnectionState State => _driver.State;

    /// <summary>The current session's id; 0 before the first connection and just after an expiry.</summary>
    public long SessionId => _driver.SessionId;

    /// <summary>
    /// The current session's id and password, or null before the first connection. Whoever holds them can take the
    /// session over (<see cref="ZooKeeperClientOptions.Session"/>): treat them as a secret.
    /// </summary>
    public ZooKeeperSessionCredentials? SessionCredentials
    {
        get
        {
            var credentials = _driver.Credentials;
            return credentials is null ? null : credentials with { Password = (byte[])credentials.Password.Clone() };
        }
    }

    /// <summary>The session timeout the server granted (zero before the first connection).</summary>
    public TimeSpan SessionTimeout => _driver.NegotiatedSessionTimeout;

    /// <summary>The server (<c>host:port</c>) the client is connected to, or null when it is not connected.</summary>
    public string? ConnectedServer => _driver.ConnectedServer;

    /// <summary>The chroot of the connection string, or null. Paths given to and returned by the client are relative to it.</summary>
    public string? Chroot { get; }

    /// <summary>The highest transaction id seen from the server in this session.</summary>
    public long LastZxid => _driver.LastZxid;

    /// <summary>Creates a client and waits until it is connected.</summary>
    /// <param name="connectionString">The servers and optional chroot.</param>
    /// <param name="timeout">How long to wait; 30 seconds when null.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ConnectionLossException">No server could be reached within the timeout; the message names the servers.</exception>
    public static Task<ZooKeeperClient> ConnectAsync(string connectionString, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(new ZooKeeperClientOptions { ConnectionString = connectionString }, null, timeout, cancellationToken);

    /// <summary>Creates a client and waits until it is connected.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when null.</param>
    /// <param name="timeout">How long to wait; 30 seconds when null.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ConnectionLossException">No server could be reached within the timeout; the message names the servers.</exception>
    public static async Task<ZooKeeperClient> ConnectAsync(ZooKeeperClientOptions options, ILoggerFactory? loggerFactory = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var client = new ZooKeeperClient(options, loggerFactory);
        try
        {
            await client.WaitUntilConnectedAsync(timeout ?? TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts connecting in the background, if not started yet. Returns at once.</summary>
    public void Start()
    {
        _driver.ThrowIfTerminal(null);
        _driver.Start();
    }

    /// <summary>Starts the client if needed and waits until it is connected (or connected read-only).</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ConnectionLossException">No server could be reached within <paramref name="timeout"/>; the message names the servers and the last error.</exception>
    /// <exception cref="AuthFailedException">Authentication failed.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task WaitUntilConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken = default) => _driver.WaitUntilConnectedAsync(timeout, cancellationToken);

    /// <summary>Creates a node.</summary>
    /// <param name="path">The node's path; for sequential modes it may end with <c>/</c>.</param>
    /// <param name="data">The node's data.</param>
    /// <param name="mode">How to create it.</param>
    /// <param name="acl">The node's ACL; <see cref="ZooKeeperAcl.OpenUnsafe"/> when null.</param>
    /// <param name="ttl">For <see cref="CreateMode.PersistentWithTtl"/> and <see cref="CreateMode.PersistentSequentialWithTtl"/>: the time to live.</param>
    /// <param name="cancellationToken">Abandons the wait (the request may still be applied).</param>
    /// <returns>The created path (with the sequence number for sequential modes) and the node's metadata.</returns>
    /// <exception cref="NodeExistsException">The node exists.</exception>
    /// <exception cref="NoNodeException">The parent does not exist.</exception>
    /// <exception cref="NoChildrenForEphemeralsException">The parent is ephemeral.</exception>
    /// <exception cref="ArgumentException">The path is invalid, the data too large, or a TTL missing or misplaced.</exception>
    /// <remarks>Not retried automatically: after a connection loss the node may already exist.</remarks>
    public Task<CreateResult> CreateAsync(string path, ReadOnlyMemory<byte> data = default, CreateMode mode = CreateMode.Persistent,
        IReadOnlyList<ZooKeeperAcl>? acl = null, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, mode.IsSequential());
        CheckData(path, data.Length);
        var ttlMs = ValidateTtl(mode, ttl);
        if (acl is { Count: 0 })
        {
            throw new ArgumentException("The ACL must hold at least one entry.", nameof(acl));
        }
        return Submit(new CreateRequest(path, data, acl ?? ZooKeeperAcl.OpenUnsafe, mode, ttlMs), cancellationToken);
    }

    /// <summary>Deletes a node.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="version">The version the node must have; -1 for any.</param>
    /// <param name="cancellationToken">Abandons the wait (the request may still be applied).</param>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    /// <exception cref="BadVersionException">The node's version differs.</exception>
    /// <exception cref="NotEmptyException">The node has children.</exception>
    public Task DeleteAsync(string path, int version = -1, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        return Submit(new DeleteRequest(path, version), cancellationToken);
    }

    /// <summary>Reads a node's metadata, or null when it does not exist; optionally leaves a one-shot watch.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="watcher">
    /// When given, called once on the node's creation, data change or deletion (a watch is left even when the node
    /// does not exist), or with <see cref="KeeperState.Expired"/> if the session expires first.
    /// </param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    public Task<NodeStat?> ExistsAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        return Retryable(new ExistsRequest(path, watcher), cancellationToken);
    }

    /// <summary>Reads a node's data and metadata; optionally leaves a one-shot watch.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="watcher">When given, called once on the node's next data change or deletion (or with <see cref="KeeperState.Expired"/>).</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <exception cref="NoNodeException">The node does not exist (no watch is left).</exception>
    public Task<NodeData> GetDataAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        return Retryable(new GetDataRequest(path, watcher), cancellationToken);
    }

    /// <summary>Sets a node's data.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="data">The new data.</param>
    /// <param name="version">The version the node must have; -1 for any.</param>
    /// <param name="cancellationToken">Abandons the wait (the request may still be applied).</param>
    /// <returns>The node's new metadata.</returns>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    /// <exception cref="BadVersionException">The node's version differs.</exception>
    public Task<NodeStat> SetDataAsync(string path, ReadOnlyMemory<byte> data, int version = -1, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        CheckData(path, data.Length);
        return Submit(new SetDataRequest(path, data, version), cancellationToken);
    }

    /// <summary>Lists a node's children; optionally leaves a one-shot watch.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="watcher">When given, called once when a child is added or removed, or the node deleted (or with <see cref="KeeperState.Expired"/>).</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    public Task<ChildrenResult> GetChildrenAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        return Retryable(new GetChildrenRequest(path, watcher), cancellationToken);
    }

    /// <summary>Reads a node's ACL.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    public Task<AclResult> GetAclAsync(string path, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        return Retryable(new GetAclRequest(path), cancellationToken);
    }

    /// <summary>Replaces a node's ACL.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="acl">The new ACL (at least one entry).</param>
    /// <param name="aclVersion">The ACL version the node must have; -1 for any.</param>
    /// <param name="cancellationToken">Abandons the wait (the request may still be applied).</param>
    /// <returns>The node's new metadata.</returns>
    /// <exception cref="InvalidAclException">The ACL is invalid.</exception>
    public Task<NodeStat> SetAclAsync(string path, IReadOnlyList<ZooKeeperAcl> acl, int aclVersion = -1, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        ArgumentNullException.ThrowIfNull(acl);
        if (acl.Count == 0)
        {
            throw new ArgumentException("The ACL must hold at least one entry.", nameof(acl));
        }
        return Submit(new SetAclRequest(path, acl, aclVersion), cancellationToken);
    }

    /// <summary>Waits until the server this client is connected to has caught up with the leader, for <paramref name="path"/>.</summary>
    /// <param name="path">The path to sync.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    public Task SyncAsync(string path, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        return Retryable(new SyncRequest(path), cancellationToken);
    }

    /// <summary>
    /// Reads the data of many nodes in one request (ZooKeeper 3.6+ multiRead), optionally leaving a one-shot data watch on
    /// each node read. Not a transaction and not all-or-nothing: every path gets its own result, a missing or unreadable
    /// node an error code (and no watch). Far cheaper for the server than as many <see cref="GetDataAsync"/> calls.
    /// </summary>
    /// <remarks>
    /// A multiRead cannot leave watches, so with a <paramref name="watcher"/> the client arms them right after the read
    /// with one setWatches request relative to the zxid the read was answered at: a node changed or deleted in between
    /// fires at once, exactly as if the watch had been left by the read. When the call fails, some watches may be armed
    /// and others not; read again. The whole reply is one frame: keep the data read per call well under
    /// <see cref="ZooKeeperClientOptions.MaxFrameSize"/> (the server's jute.maxbuffer), since a larger reply breaks the
    /// connection and the call fails with <see cref="ConnectionLossException"/>.
    /// </remarks>
    /// <param name="paths">The nodes to read, at least one; results come in the same order.</param>
    /// <param name="watcher">When given, called once on each node's next data change or deletion (or with <see cref="KeeperState.Expired"/>).</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <returns>One result per path, in order.</returns>
    /// <exception cref="ArgumentException"><paramref name="paths"/> is empty or holds an invalid path.</exception>
    /// <exception cref="UnimplementedException">The server is older than 3.6.</exception>
    public Task<IReadOnlyList<NodeDataResult>> GetDataManyAsync(IReadOnlyList<string> paths, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            throw new ArgumentException("At least one path is needed.", nameof(paths));
        }
        long length = 0;
        foreach (var path in paths)
        {
            ValidatePath(path);
            length += path.Length + 16;
        }
        CheckData(paths[0], length);
        return GetDataManyCoreAsync([.. paths], watcher, cancellationToken);
    }

    private async Task<IReadOnlyList<NodeDataResult>> GetDataManyCoreAsync(string[] paths, Action<WatchedEvent>? watcher, CancellationToken cancellationToken)
    {
        var reply = await Retryable(new MultiGetDataRequest(paths), cancellationToken).ConfigureAwait(false);
        if (watcher is null)
        {
            return reply.Results;
        }
        var read = new List<string>(reply.Results.Count);
        foreach (var result in reply.Results)
        {
            if (result.IsOk)
            {
                read.Add(result.Path);
            }
        }
        if (read.Count == 0)
        {
            return reply.Results;
        }
        // Registered here first, so that the events the setWatches itself fires (changed since the read) find the watcher.
        foreach (var path in read)
        {
            _driver.Watches.AddData(path, watcher);
        }
        var batches = SetWatchesRequest.Split(new WatchSnapshot(read, [], [], [], []));
        var arming = new Task[batches.Count];
        for (var i = 0; i < batches.Count; i++)
        {
            arming[i] = Submit(new SetWatchesRequest(reply.Zxid, batches[i]), cancellationToken);
        }
        await Task.WhenAll(arming).ConfigureAwait(false);
        return reply.Results;
    }

    /// <summary>Runs operations as one transaction: all are applied or none.</summary>
    /// <param name="operations">The operations, in order.</param>
    /// <param name="cancellationToken">Abandons the wait (the transaction may still be applied).</param>
    /// <returns>Each operation's result, in order.</returns>
    /// <exception cref="MultiOperationException">An operation failed and nothing was applied; it names the failing operation and holds every result.</exception>
    public Task<IReadOnlyList<MultiOperationResult>> MultiAsync(IEnumerable<MultiOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var list = operations.ToList();
        foreach (var op in list)
        {
            ArgumentNullException.ThrowIfNull(op, nameof(operations));
        }
        CheckData(list.Count > 0 ? list[0].Path : "/", list.Sum(op => (long)op.Data.Length + op.Path.Length));
        return Submit(new MultiRequest(list), cancellationToken);
    }

    /// <summary>Lists the ephemeral nodes this session owns whose paths start with <paramref name="prefixPath"/> (ZooKeeper 3.6+).</summary>
    /// <param name="prefixPath">The path prefix; <c>/</c> for all.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    public Task<IReadOnlyList<string>> GetEphemeralsAsync(string prefixPath = "/", CancellationToken cancellationToken = default)
    {
        ValidatePath(prefixPath);
        return Retryable(new GetEphemeralsRequest(prefixPath), cancellationToken);
    }

    /// <summary>Counts every descendant of a node, recursively (ZooKeeper 3.6+).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    public Task<int> GetAllChildrenNumberAsync(string path, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        return Retryable(new GetAllChildrenNumberRequest(path), cancellationToken);
    }

    /// <summary>Lists the identities this session has authenticated as (ZooKeeper 3.7+).</summary>
    /// <param name="cancellationToken">Abandons the wait.</param>
    public Task<IReadOnlyList<ClientIdentity>> WhoAmIAsync(CancellationToken cancellationToken = default) =>
        Retryable(new WhoAmIRequest(), cancellationToken);

    /// <summary>
    /// Adds credentials to the session. They are sent now and again on every later connection; a failure ends the
    /// client in <see cref="ConnectionState.AuthFailed"/>. Credentials are never logged.
    /// </summary>
    /// <param name="auth">The credentials, e.g. <see cref="ZooKeeperAuthInfo.Digest"/>.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <exception cref="AuthFailedException">The server rejected the credentials.</exception>
    public Task AddAuthAsync(ZooKeeperAuthInfo auth, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auth);
        _driver.ThrowIfTerminal(null);
        var task = _driver.AddAuthAsync(auth);
        return cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task;
    }

    /// <summary>
    /// Adds a persistent or persistent-recursive watch (ZooKeeper 3.6+): it is not removed when it fires, survives
    /// reconnects, and is lost only with the session (then <paramref name="watcher"/> gets <see cref="KeeperState.Expired"/>).
    /// </summary>
    /// <param name="path">The path to watch; it need not exist.</param>
    /// <param name="watcher">Called for every matching event.</param>
    /// <param name="mode">Persistent (the path only) or recursive (the path and every descendant, without children-changed events).</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    public Task AddWatchAsync(string path, Action<WatchedEvent> watcher, AddWatchMode mode = AddWatchMode.Persistent, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        ArgumentNullException.ThrowIfNull(watcher);
        return Retryable(new AddWatchRequest(path, watcher, mode), cancellationToken);
    }

    /// <summary>
    /// Removes watches from a path: <paramref name="watcher"/>'s, or every one of <paramref name="type"/> when it is null.
    /// Each removed watcher gets a <see cref="WatchEventType.DataWatchRemoved"/>, <see cref="WatchEventType.ChildWatchRemoved"/>
    /// or <see cref="WatchEventType.PersistentWatchRemoved"/> event.
    /// </summary>
    /// <remarks>
    /// The server's watch goes only when no other watcher of this client shares it. When another watcher arms the same
    /// path while the removal is on its way, its watch is armed again: a data, exists or children watch then fires for a
    /// change made in between; a persistent watch is added again without that catch-up, so wait for this removal before
    /// adding a persistent watcher that replaces the removed one.
    /// </remarks>
    /// <param name="path">The watched path.</param>
    /// <param name="watcher">The watcher to remove, or null for all.</param>
    /// <param name="type">Which kinds of watch to remove.</param>
    /// <param name="local">True to remove the watches on the client only (works while disconnected; the server may still send one event, which is then ignored).</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <exception cref="NoWatcherException">No such watch is registered.</exception>
    public async Task RemoveWatchesAsync(string path, Action<WatchedEvent>? watcher, WatcherType type = WatcherType.Any, bool local = false, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        if (!_driver.Watches.Contains(path, watcher, type))
        {
            throw new NoWatcherException(path);
        }
        // The server removes every watch of the type on the path for this connection; when other watchers of ours
        // remain on it, the server-side watch must stay.
        var removeOnServer = !local && (watcher is null || OnlyWatcher(path, watcher, type));
        // Every change the server applies after the removal is newer than this.
        var beforeRemoval = _driver.LastZxid;
        if (removeOnServer)
        {
            try
            {
                await Retryable(new RemoveWatchesRequest(path, type), cancellationToken).ConfigureAwait(false);
            }
            catch (NoWatcherException)
            {
                // The server's watch already fired or was never armed on this connection; remove ours anyway.
            }
        }
        var removed = new List<(Action<WatchedEvent> Watcher, WatchEventType Event)>();
        _driver.Watches.Remove(path, watcher, type, removed);
        foreach (var (w, e) in removed)
        {
            _driver.Dispatcher.Enqueue(w, new WatchedEvent(e, KeeperState.SyncConnected, path));
        }
        if (removeOnServer)
        {
            // Another watcher of ours may have armed the path while the removal was on its way: the server keeps one
            // watch per kind and path for the session, and removed it for both. Arm it again as a reconnect does,
            // relative to the moment before the removal, so that a change made in between still fires a one-shot
            // watch (persistent ones are only added again). Not bound to the caller's token: the other watcher's
            // watch must not depend on it.
            var stillWatched = _driver.Watches.Held(path, type);
            if (!stillWatched.IsEmpty)
            {
                await Retryable(new SetWatchesRequest(beforeRemoval, stillWatched), CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Creates <paramref name="path"/> and any missing ancestors as persistent nodes with empty data; existing nodes are left as they are.</summary>
    /// <param name="path">The path to make exist.</param>
    /// <param name="acl">The ACL of the nodes created; <see cref="ZooKeeperAcl.OpenUnsafe"/> when null.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    public async Task EnsurePathAsync(string path, IReadOnlyList<ZooKeeperAcl>? acl = null, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        if (path == "/")
        {
            return;
        }
        if (await ExistsAsync(path, null, cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }
        var missing = new Stack<string>();
        for (var current = path; current is not null and not "/"; current = ZooKeeperPath.GetParent(current))
        {
            missing.Push(current);
        }
        while (missing.Count > 0)
        {
            var next = missing.Pop();
            try
            {
                await ExecuteWithRetryAsync(ct => CreateAsync(next, default, CreateMode.Persistent, acl, null, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (NodeExistsException)
            {
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> through the client's retry pipeline: transient failures
    /// (<see cref="ZooKeeperException.IsTransient"/>) are retried with back-off as <see cref="ZooKeeperRetryOptions"/> says.
    /// Use it for writes that are safe to repeat.
    /// </summary>
    /// <typeparam name="T">The operation's result.</typeparam>
    /// <param name="operation">The operation; called once per attempt.</param>
    /// <param name="cancellationToken">Cancels the attempts and the delays between them.</param>
    public async Task<T> ExecuteWithRetryAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (_retryPipeline is null)
        {
            return await operation(cancellationToken).ConfigureAwait(false);
        }
        return await _retryPipeline.ExecuteAsync(static async (op, ct) => await op(ct).ConfigureAwait(false), operation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="operation"/> through the client's retry pipeline (see <see cref="ExecuteWithRetryAsync{T}"/>).</summary>
    /// <param name="operation">The operation; called once per attempt.</param>
    /// <param name="cancellationToken">Cancels the attempts and the delays between them.</param>
    public Task ExecuteWithRetryAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return ExecuteWithRetryAsync(async ct =>
        {
            await operation(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Closes the session (the server deletes its ephemeral nodes at once), fails requests still waiting with
    /// <see cref="ObjectDisposedException"/>, tells every watcher with <see cref="KeeperState.Closed"/>, and stops.
    /// Idempotent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _driver.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
    }

    /// <summary>True when the current connection was opened on a reader thread of its own (tests).</summary>
    internal bool ConnectionHasReaderThread => _driver.ConnectionHasReaderThread;

    /// <summary>Drops the current TCP connection without ending the session, as a network failure would.</summary>
    internal void DropConnection() => _driver.DropConnection("Connection dropped on request.");

    internal int WatchCount => _driver.Watches.Count;

    internal static long ValidateTtl(CreateMode mode, TimeSpan? ttl)
    {
        if (mode.IsTtl())
        {
            if (ttl is not { } value || value <= TimeSpan.Zero || value.TotalMilliseconds > (1L << 40) - 1)
            {
                throw new ArgumentOutOfRangeException(nameof(ttl), ttl, $"Create mode {mode} needs a TTL between 1 ms and 2^40-1 ms.");
            }
            return (long)value.TotalMilliseconds;
        }
        if (ttl is not null)
        {
            throw new ArgumentException($"A TTL is only allowed with the TTL create modes, not {mode}.", nameof(ttl));
        }
        return 0;
    }

    private bool OnlyWatcher(string path, Action<WatchedEvent> watcher, WatcherType type)
    {
        // True when no other watcher of ours shares the server-side watch of this kind on this path.
        return !_driver.Watches.ContainsOther(path, watcher, type);
    }

    private static void ValidatePath(string path) => ZooKeeperPath.Validate(path);

    private void CheckData(string path, long length)
    {
        // A frame holds the headers and the path besides the data; keep a margin as the Java client does.
        if (length > _maxDataSize - 1024)
        {
            throw new ArgumentException($"Data for {path} is {length} bytes; ZooKeeper accepts at most about {_maxDataSize - 1024} bytes per request (jute.maxbuffer).", nameof(path));
        }
    }

    private Task<T> Submit<T>(Request<T> request, CancellationToken cancellationToken)
    {
        _driver.ThrowIfTerminal(request.Path);
        cancellationToken.ThrowIfCancellationRequested();
        _driver.Enqueue(request);
        return cancellationToken.CanBeCanceled ? request.Task.WaitAsync(cancellationToken) : request.Task;
    }

    private Task<T> Retryable<T>(Request<T> request, CancellationToken cancellationToken)
    {
        if (_retrier is not null)
        {
            request.EnableRetry(_retrier, cancellationToken);
        }
        return Submit(request, cancellationToken);
    }

    /// <summary>
    /// Runs the retries of a request that failed transiently through the Polly pipeline and completes the original
    /// request with the outcome. Only failed requests come here: a successful call allocates nothing for retries.
    /// </summary>
    private sealed class RequestRetrier(ZooKeeperClient client, ResiliencePipeline pipeline) : IRequestRetrier
    {
        public void Retry<T>(Request<T> request, ZooKeeperException error, CancellationToken cancellationToken) =>
            _ = RetryAsync(request, error, cancellationToken);

        private async Task RetryAsync<T>(Request<T> request, ZooKeeperException error, CancellationToken cancellationToken)
        {
            Log.Retrying(client._logger, request.Path, error.Code);
            if (request.Activity is { } failed)
            {
                // The retries' spans are siblings of the failed attempt's, under the caller's activity.
                System.Diagnostics.Activity.Current = failed.Parent;
                request.Activity = null;
            }
            try
            {
                var result = await pipeline.ExecuteAsync(
                    static (state, ct) =>
                    {
                        var attempt = state.Request.Renew();
                        state.Client._driver.ThrowIfTerminal(attempt.Path);
                        state.Client._driver.Enqueue(attempt);
                        return new ValueTask<T>(attempt.Task);
                    },
                    (Client: client, Request: request),
                    cancellationToken).ConfigureAwait(false);
                request.TrySetResult(result);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                request.TrySetException(error);
            }
#pragma warning disable CA1031 // Whatever the last attempt threw is the request's outcome.
            catch (Exception e)
#pragma warning restore CA1031
            {
                request.TrySetException(e);
            }
        }
    }

    /// <summary>The <see cref="StateChanged"/> handlers subscribed now, for a change made now; null when there are none.</summary>
    private Action<ConnectionStateChangedEventArgs>? CaptureStateHandlers() =>
        StateChanged is { } handlers ? args => handlers(this, args) : null;

    private static ResiliencePipeline? BuildRetryPipeline(ZooKeeperRetryOptions options, int retries, TimeProvider timeProvider)
    {
        if (retries <= 0)
        {
            return null;
        }
        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is ZooKeeperException { IsTransient: true }),
                MaxRetryAttempts = retries,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build();
    }
}
