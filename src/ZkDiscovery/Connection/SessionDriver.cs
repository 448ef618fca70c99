using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Diagnostics;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Connection;

/// <summary>
/// The session loop: connects to one server after another, performs handshakes (creating, resuming or, after
/// expiry, re-creating the session), replays authentication and watches on each new connection, and owns the
/// queue of requests waiting to be written. State changes go through <see cref="SetState"/>.
/// </summary>
internal sealed partial class SessionDriver : IAsyncDisposable
{
    private static readonly byte[] s_emptyPassword = new byte[16];

    private readonly ZooKeeperClientOptions _options;
    private readonly ZooKeeperConnectionString _connectionString;
    private readonly ILogger _logger;
    private readonly ZooKeeperMetrics _metrics;
    private readonly HostProvider _hosts;
    private readonly EventDispatcher _dispatcher;
    private readonly Func<Action<ConnectionStateChangedEventArgs>?> _stateHandlers;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly List<ZooKeeperAuthInfo> _auth = [];
    private readonly List<Action<WatchedEvent>> _triggered = [];
    private readonly TlsConnector? _tls;
    private readonly CompletionQueue _completions;

    private readonly RequestQueue _requests;

    private readonly object _stateLock = new();
    private ConnectionState _state = ConnectionState.Connecting;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _lastConnectError;
    private AuthFailedException? _authFailure;

    private long _sessionId;
    private byte[] _password = s_emptyPassword;
    // The id and password as one value, swapped as a whole, so that a reader never sees one session's id with
    // another's password.
    private ZooKeeperSessionCredentials? _credentials;
    private long _lastZxid;
    private int _negotiatedTimeoutMs;
    private bool _seenReadWriteServer;
    private int _xid;
    private ZooKeeperConnection? _current;
    private Task? _loop;
    private int _started;
    private volatile bool _closing;

    /// <param name="options">The client's options.</param>
    /// <param name="logger">The client's logger.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="metrics">The client's metrics.</param>
    /// <param name="stateHandlers">
    /// The state handlers subscribed now (null for none), asked as the state changes: they are the ones the dispatcher
    /// tells of that change.
    /// </param>
    public SessionDriver(ZooKeeperClientOptions options, ILogger logger, TimeProvider timeProvider, ZooKeeperMetrics metrics, Func<Action<ConnectionStateChangedEventArgs>?> stateHandlers)
    {
        _options = options;
        _connectionString = ZooKeeperConnectionString.Parse(options.ConnectionString);
        _logger = logger;
        TimeProvider = timeProvider;
        _metrics = metrics;
        _stateHandlers = stateHandlers;
        _hosts = new HostProvider(_connectionString.Hosts, options.ShuffleHosts);
        Watches = new WatchManager();
        Context = new RequestContext(_connectionString.Chroot, Watches);
        _dispatcher = new EventDispatcher(logger);
        // The replies wait for the watch events read before them.
        _completions = new CompletionQueue(events: _dispatcher);
        _requests = new RequestQueue(_completions);
        if (options.Tls is { Enabled: true } tls)
        {
            _tls = new TlsConnector(tls);
        }
        if (options.DigestCredentials is { } digest)
        {
            var colon = digest.IndexOf(':', StringComparison.Ordinal);
            _auth.Add(ZooKeeperAuthInfo.Digest(digest[..colon], digest[(colon + 1)..]));
        }
        _auth.AddRange(options.Authentication);
        if (options.Session is { } session)
        {
            _sessionId = session.SessionId;
            _password = session.Password;
            _credentials = session;
        }
    }

    public TimeProvider TimeProvider { get; }

    public RequestContext Context { get; }

    public WatchManager Watches { get; }

    public EventDispatcher Dispatcher => _dispatcher;

    /// <summary>Where the outcomes of this session's requests are published.</summary>
    public CompletionQueue Completions => _completions;

    public ConnectionState State
    {
        get
        {
            lock (_stateLock)
            {
                return _state;
            }
        }
    }

    public long SessionId => Interlocked.Read(ref _sessionId);

    /// <summary>The current session's id and password, or null when there is no session.</summary>
    public ZooKeeperSessionCredentials? Credentials => Volatile.Read(ref _credentials);

    public TimeSpan NegotiatedSessionTimeout => TimeSpan.FromMilliseconds(Volatile.Read(ref _negotiatedTimeoutMs));

    public long LastZxid => Interlocked.Read(ref _lastZxid);

    /// <summary>True when the current connection was opened on a reader thread of its own.</summary>
    public bool ConnectionHasReaderThread => _current?.HasReaderThread ?? false;

    public string? ConnectedServer => State is ConnectionState.Connected or ConnectionState.ConnectedReadOnly ? _current?.Host.ToString() : null;

    public string Servers => string.Join(",", _connectionString.Hosts);

    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _loop = BackgroundLoop.Start(RunAsync);
        }
    }

    public async Task WaitUntilConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task connected;
        lock (_stateLock)
        {
            ThrowIfTerminal(null);
            connected = _connected.Task;
        }
        Start();
        try
        {
            await connected.WaitAsync(timeout, TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var last = _lastConnectError;
            throw new ConnectionLossException(null,
                $"Could not connect to ZooKeeper at {Servers}{_connectionString.Chroot} within {timeout.TotalSeconds:0.###} s" + (last is null ? "." : $" (last error: {last.Message})."),
                last);
        }
    }

    // ---- the queue ----

    /// <summary>Queues a request for the writer; throws when the client is closed or stopped.</summary>
    public void Enqueue(IRequest request)
    {
        request.QueuedTimestamp = Stopwatch.GetTimestamp();
        request.Completions = _completions;
        if (ZooKeeperActivitySource.Source.HasListeners())
        {
            RequestTracing.Start(request);
        }
        try
        {
            _requests.Add(request, _current);
        }
        catch (ObjectDisposedException e) when (request.Activity is { } activity)
        {
            request.Activity = null;
            RequestTracing.Stop(activity, e);
            throw;
        }
        if (_started == 0)
        {
            Start();
        }
    }

    /// <summary>Moves every queued request into <paramref name="batch"/> (see <see cref="RequestQueue.TakeQueued"/>).</summary>
    public bool TakeQueued(List<IRequest> batch, ZooKeeperConnection owner) => _requests.TakeQueued(batch, owner);

    /// <summary>Waits until <see cref="TakeQueued"/> may find work, or <see cref="WakeWriter"/> is called. Only after TakeQueued returned false.</summary>
    public ValueTask WaitForQueuedAsync() => _requests.WaitForQueuedAsync();

    /// <summary>Wakes a waiting writer so that it notices its connection broke.</summary>
    public void WakeWriter() => _requests.WakeWriter();

    public int NextXid()
    {
        // Normal xids run 1 .. int.MaxValue and wrap to 1: never 0 or a reserved negative value.
        var xid = ++_xid;
        if (xid <= 0)
        {
            _xid = xid = 1;
        }
        return xid;
    }

    /// <summary>Fails queued requests that have waited longer than the session timeout for a connection.</summary>
    private void FailStaleQueued()
    {
        var limit = _options.SessionTimeout;
        var stale = _requests.TakeStale(limit);
        if (stale is not null)
        {
            Log.StaleRequestsFailed(_logger, stale.Count, limit.TotalSeconds);
            var reason = new ConnectionLossException(null, $"No connection to ZooKeeper at {Servers} for {limit.TotalSeconds:0.###} s.", _lastConnectError);
            foreach (var request in stale)
            {
                FailRequest(request, reason);
            }
        }
    }

    // ---- callbacks from the connection ----

    public void FailRequest(IRequest request, Exception reason)
    {
        if (request.IsCompleted)
        {
            return;
        }
        Exception error = reason switch
        {
            ZooKeeperException { Code: ZooKeeperErrorCode.ConnectionLoss or ZooKeeperErrorCode.SessionExpired or ZooKeeperErrorCode.AuthFailed } z when z.Path == request.Path => z,
            ZooKeeperException { Code: ZooKeeperErrorCode.SessionExpired } => new SessionExpiredException(request.Path),
            ZooKeeperException { Code: ZooKeeperErrorCode.AuthFailed } => new AuthFailedException(request.Path),
            ObjectDisposedException => new ObjectDisposedException(nameof(ZooKeeperClient), "The ZooKeeper client was disposed."),
            _ => new ConnectionLossException(request.Path, $"Connection to ZooKeeper lost: {reason.Message}", reason),
        };
        if (error is ZooKeeperException z2)
        {
            _metrics.RequestFailed(request.OpCode, z2.Code);
        }
        request.Completions ??= _completions;
        request.Fail(error);
    }

    public void RejectOversized(IRequest request, int length, int limit)
    {
        Log.RequestTooLarge(_logger, request.Path, length, limit);
        request.Fail(new ArgumentException($"The request for {request.Path ?? request.OpCode.ToString()} is {length} bytes, over the {limit}-byte frame limit (jute.maxbuffer)."));
    }

    public void ObserveZxid(long zxid)
    {
        if (zxid > _lastZxid)
        {
            Interlocked.Exchange(ref _lastZxid, zxid);
        }
    }

    public void OnReply(IRequest request, in ReplyHeader header, ref JuteReader body)
    {
        if (_metrics.RequestsEnabled)
        {
            _metrics.RequestCompleted(request.OpCode, header.Err, request.QueuedTimestamp);
        }
        request.Complete(header, ref body, Context);
        // Published when the read loop has handled everything it read (see ZooKeeperConnection.ReadLoopAsync).
        _completions.Add(request);
        if (header.Err == (int)ZooKeeperErrorCode.SessionExpired)
        {
            // The server says the session is gone; the next handshake confirms it and starts a new one.
            _current?.Break(new SessionExpiredException(request.Path));
        }
    }

    /// <summary>
    /// Registers a notification the reader read. Its watchers are queued, not dispatched: the reader dispatches them
    /// itself once it has handled the frames it read, before it publishes the replies read after them.
    /// </summary>
    public void OnNotification(WatcherEventRecord record)
    {
        var type = (WatchEventType)record.Type;
        var path = record.Path is null ? "/" : Context.StripChroot(record.Path);
        _metrics.WatchEvent(type);
        // Only the read loop calls this, so the scratch list is not shared.
        var triggered = _triggered;
        triggered.Clear();
        Watches.Materialize(type, path, triggered);
        var e = new WatchedEvent(type, KeeperState.SyncConnected, path);
        foreach (var watcher in triggered)
        {
            _dispatcher.Enqueue(watcher, e, schedule: false);
        }
    }

    public static void OnAuthFailed(ZooKeeperConnection connection, ZooKeeperErrorCode code)
    {
        connection.Break(new AuthFailedException(null, $"ZooKeeper server {connection.Host} rejected the session's credentials ({code})."));
    }

    /// <summary>
    /// Called once, synchronously, when a connection breaks: everything still queued fails with ConnectionLoss at
    /// that moment and the state becomes Suspended, so that requests issued afterwards wait for the next connection.
    /// </summary>
    public void OnConnectionBroken(ZooKeeperConnection connection, Exception reason)
    {
        if (!ReferenceEquals(connection, _current) || _closing || reason is AuthFailedException or ObjectDisposedException)
        {
            return;
        }
        var lost = new ConnectionLossException(null, $"Connection to ZooKeeper server {connection.Host} lost: {reason.Message}", reason);
        foreach (var queued in _requests.TakeAll())
        {
            FailRequest(queued, lost);
        }
        SetState(ConnectionState.Suspended, false);
    }

    public void OnProtocolError(ZooKeeperConnection connection, Exception error) => Log.ProtocolError(_logger, connection.Host, error.Message);

    /// <summary>The connection's reader thread was held up by a callback and handed reading over to the thread pool.</summary>
    public void OnReaderThreadHandedOver(ZooKeeperConnection connection) =>
        Log.ReaderThreadHandedOver(_logger, SessionId, CompletionQueue.DefaultStallThreshold.TotalMilliseconds, connection.Host);

    // ---- the session loop ----

    private async Task RunAsync()
    {
        var token = _lifetime.Token;
        var backoff = TimeSpan.FromMilliseconds(50);
        var everConnected = false;
        while (!token.IsCancellationRequested && !_closing)
        {
            var host = _hosts.Next(out var cycleCompleted);
            if (cycleCompleted)
            {
                var cap = ReconnectCap();
                backoff = backoff > cap ? cap : backoff;
                var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * backoff.TotalMilliseconds);
                Log.ReconnectBackoff(_logger, delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, TimeProvider, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, cap.Ticks));
            }

            ZooKeeperConnection connection;
            var resuming = _sessionId != 0;
            var request = new ConnectRequest(
                0,
                resuming ? LastZxid : 0,
                (int)Math.Clamp(_options.SessionTimeout.TotalMilliseconds, 1, int.MaxValue),
                _seenReadWriteServer || !_options.CanBeReadOnly || _negotiatedTimeoutMs == 0 ? _sessionId : 0,
                _password,
                _options.CanBeReadOnly);
            Log.Connecting(_logger, host, _sessionId);
            try
            {
                connection = await ZooKeeperConnection.OpenAsync(this, host, request, ConnectTimeout(), _options.MaxFrameSize, _tls, readerThread: _options.Sasl is not { IsEnabled: true }, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // Any failure to reach one server means: try the next one.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _lastConnectError = e;
                Log.ConnectFailed(_logger, host, e.Message);
                FailStaleQueued();
                continue;
            }

            if (connection.TlsDescription is { } tls)
            {
                Log.TlsHandshakeCompleted(_logger, host, tls);
            }
            var response = connection.Response;
            if (response.TimeoutMs <= 0)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                if (_sessionId != 0)
                {
                    OnSessionExpired();
                }
                else
                {
                    _lastConnectError = new ZooKeeperException(ZooKeeperErrorCode.SessionExpired, null, $"ZooKeeper server {host} refused to create a session.");
                }
                continue;
            }

            var isNewSession = response.SessionId != _sessionId;
            Interlocked.Exchange(ref _sessionId, response.SessionId);
            _password = response.Password;
            Volatile.Write(ref _credentials, new ZooKeeperSessionCredentials(response.SessionId, response.Password));
            Volatile.Write(ref _negotiatedTimeoutMs, response.TimeoutMs);
            if (!response.ReadOnly)
            {
                _seenReadWriteServer = true;
            }
            if (_options.Sasl is { IsEnabled: true } sasl)
            {
                // As the Java client: the SASL exchange completes before anything else (auth packets, setWatches,
                // queued requests) goes out on the connection, and it is re-run on every new connection.
                try
                {
                    await connection.AuthenticateSaslAsync(sasl, ConnectTimeout(), token).ConfigureAwait(false);
                    Log.SaslAuthenticated(_logger, host, sasl.Username!);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    break;
                }
                catch (AuthFailedException e)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    OnAuthFailedTerminal(e);
                    return;
                }
#pragma warning disable CA1031 // Any other failure is a failure to reach this server: try the next one.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    _lastConnectError = e;
                    Log.ConnectFailed(_logger, host, e.Message);
                    FailStaleQueued();
                    continue;
                }
            }
            _hosts.OnConnected();
            backoff = TimeSpan.FromMilliseconds(50);
            _current = connection;
            _lastConnectError = null;
            if (everConnected && !isNewSession)
            {
                _metrics.Reconnected();
            }
            everConnected = true;

            var preamble = BuildPreamble();
            var state = response.ReadOnly ? ConnectionState.ConnectedReadOnly : ConnectionState.Connected;
            Log.Connected(_logger, host, response.SessionId, response.TimeoutMs, response.ReadOnly);
            SetState(state, isNewSession);
            using var readOnlyProbe = response.ReadOnly ? new CancellationTokenSource() : null;
            if (readOnlyProbe is not null)
            {
                _ = ProbeForReadWriteServerAsync(connection, readOnlyProbe.Token);
            }

            var readTimeout = TimeSpan.FromMilliseconds(response.TimeoutMs * 2.0 / 3.0);
            var reason = await connection.RunAsync(preamble, readTimeout).ConfigureAwait(false);
            readOnlyProbe?.Cancel();
            await connection.DisposeAsync().ConfigureAwait(false);
            _current = null;

            if (reason is AuthFailedException authFailed)
            {
                OnAuthFailedTerminal(authFailed);
                return;
            }
            if (_closing || token.IsCancellationRequested)
            {
                break;
            }
            Log.Disconnected(_logger, host, _sessionId, reason.Message);

            // A short random pause before reconnecting: clients dropped together do not storm the next server, and a
            // client whose session was taken over by another connection does not snatch it straight back.
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Min(100, ReconnectCap().TotalMilliseconds) + 1)), TimeProvider, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private TimeSpan ConnectTimeout()
    {
        if (_options.ConnectTimeout is { } configured)
        {
            return configured;
        }
        var session = _negotiatedTimeoutMs > 0 ? TimeSpan.FromMilliseconds(_negotiatedTimeoutMs) : _options.SessionTimeout;
        var perHost = session / _hosts.Count;
        return perHost < TimeSpan.FromMilliseconds(250) ? TimeSpan.FromMilliseconds(250)
            : perHost > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : perHost;
    }

    private TimeSpan ReconnectCap()
    {
        var session = _negotiatedTimeoutMs > 0 ? TimeSpan.FromMilliseconds(_negotiatedTimeoutMs) : _options.SessionTimeout;
        var quarter = session / 4;
        var cap = _options.MaxReconnectDelay < quarter ? _options.MaxReconnectDelay : quarter;
        return cap < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : cap;
    }

    private List<IRequest> BuildPreamble()
    {
        var preamble = new List<IRequest>();
        lock (_auth)
        {
            foreach (var auth in _auth)
            {
                preamble.Add(new AuthRequest(auth));
            }
        }
        var snapshot = Watches.Snapshot();
        if (!snapshot.IsEmpty)
        {
            var zxid = LastZxid;
            foreach (var batch in SetWatchesRequest.Split(snapshot))
            {
                var request = new SetWatchesRequest(zxid, batch);
                request.QueuedTimestamp = Stopwatch.GetTimestamp();
                _ = ObserveSetWatchesAsync(request);
                preamble.Add(request);
            }
            Log.WatchesRestored(_logger, snapshot.Data.Count + snapshot.Exist.Count + snapshot.Child.Count + snapshot.Persistent.Count + snapshot.PersistentRecursive.Count);
        }
        return preamble;
    }

    private async Task ObserveSetWatchesAsync(SetWatchesRequest request)
    {
        try
        {
            await request.Task.ConfigureAwait(false);
        }
        catch (ZooKeeperException e) when (e.Code != ZooKeeperErrorCode.ConnectionLoss)
        {
            Log.SetWatchesFailed(_logger, e.Message);
        }
        catch (ZooKeeperException)
        {
            // The connection dropped again: the next one re-arms the watches.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Adds credentials to the session: sent now when connected, and on every later connection.</summary>
    public Task AddAuthAsync(ZooKeeperAuthInfo auth)
    {
        lock (_auth)
        {
            _auth.Add(auth);
        }
        var request = new AuthRequest(auth);
        Enqueue(request);
        return request.Task;
    }

    private void OnSessionExpired()
    {
        var expiredId = _sessionId;
        Log.SessionExpired(_logger, expiredId);
        _metrics.SessionExpired();
        Volatile.Write(ref _credentials, null);
        Interlocked.Exchange(ref _sessionId, 0);
        _password = s_emptyPassword;
        Interlocked.Exchange(ref _lastZxid, 0);
        var expired = new SessionExpiredException(null, $"ZooKeeper session 0x{expiredId:x} expired.");
        foreach (var queued in _requests.TakeAll())
        {
            FailRequest(queued, expired);
        }
        SetState(ConnectionState.Expired, false, expiredId);
        var lost = Watches.Clear();
        if (lost.Count > 0)
        {
            Log.WatchesLost(_logger, lost.Count, expiredId);
        }
        foreach (var (path, watcher) in lost)
        {
            _dispatcher.Enqueue(watcher, new WatchedEvent(WatchEventType.None, KeeperState.Expired, path));
        }
    }

    private void OnAuthFailedTerminal(AuthFailedException error)
    {
        Log.AuthFailed(_logger, _sessionId, error.Message);
        _authFailure = error;
        foreach (var queued in _requests.Close())
        {
            FailRequest(queued, error);
        }
        SetState(ConnectionState.AuthFailed, false);
        foreach (var (path, watcher) in Watches.Clear())
        {
            _dispatcher.Enqueue(watcher, new WatchedEvent(WatchEventType.None, KeeperState.AuthFailed, path));
        }
    }

    private async Task ProbeForReadWriteServerAsync(ZooKeeperConnection connection, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(delay, TimeProvider, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(60).Ticks));
                foreach (var host in _hosts.All)
                {
                    if (host == connection.Host)
                    {
                        continue;
                    }
                    var answer = await FourLetterWords.SendAsync(host, "isro", TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                    if (answer == "rw")
                    {
                        Log.ReadWriteServerFound(_logger, host);
                        _hosts.Prefer(host);
                        connection.Break(new ConnectionLossException(null, $"Switching to read-write server {host}."));
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void SetState(ConnectionState state, bool isNewSession, long? sessionId = null)
    {
        ConnectionStateChangedEventArgs args;
        Action<ConnectionStateChangedEventArgs>? handlers;
        lock (_stateLock)
        {
            var previous = _state;
            if (previous == state && !isNewSession)
            {
                return;
            }
            _state = state;
            if (state is ConnectionState.Connected or ConnectionState.ConnectedReadOnly)
            {
                _connected.TrySetResult();
            }
            else if (_connected.Task.IsCompleted)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            if (state is ConnectionState.AuthFailed or ConnectionState.Closed)
            {
                _connected.TrySetException(state == ConnectionState.Closed
                    ? new ObjectDisposedException(nameof(ZooKeeperClient))
                    : new AuthFailedException(null, _authFailure?.Message ?? "Authentication with ZooKeeper failed."));
                _connected.Task.Exception?.Handle(_ => true);
            }
            args = new ConnectionStateChangedEventArgs(previous, state, sessionId ?? _sessionId, _current?.Host.ToString()) { IsNewSession = isNewSession };
            // Taken with the change: a handler that subscribes after it (and finds this state) is not told of it later.
            handlers = _stateHandlers();
        }
        if (handlers is not null)
        {
            _dispatcher.Enqueue(args, handlers);
        }
    }

    /// <summary>Throws when the client can no longer run requests.</summary>
    public void ThrowIfTerminal(string? path)
    {
        var state = _state;
        ObjectDisposedException.ThrowIf(state == ConnectionState.Closed, typeof(ZooKeeperClient));
        if (state == ConnectionState.AuthFailed)
        {
            throw new AuthFailedException(path, "Authentication with ZooKeeper failed; the client has stopped." + (_authFailure is { } failure ? " " + failure.Message : ""));
        }
    }

    /// <summary>Forces the current connection closed (the session survives); for tests and for switching servers.</summary>
    public void DropConnection(string reason) => _current?.Break(new ConnectionLossException(null, reason));

    public async ValueTask DisposeAsync()
    {
        if (_closing)
        {
            return;
        }
        _closing = true;
        Log.Closing(_logger, _sessionId);
        if (_current is { IsBroken: false } && State is ConnectionState.Connected or ConnectionState.ConnectedReadOnly)
        {
            // closeSession: the server deletes the session's ephemeral nodes at once.
            var close = new CloseSessionRequest();
            try
            {
                Enqueue(close);
                await ((Task)close.Task).WaitAsync(TimeSpan.FromSeconds(2), TimeProvider).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (ObjectDisposedException)
            {
            }
        }
        var queued = _requests.Close();
        await _lifetime.CancelAsync().ConfigureAwait(false);
        _current?.Break(new ObjectDisposedException(nameof(ZooKeeperClient)));
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        var disposed = new ObjectDisposedException(nameof(ZooKeeperClient));
        foreach (var request in queued)
        {
            FailRequest(request, disposed);
        }
        foreach (var request in _requests.TakeAll())
        {
            FailRequest(request, disposed);
        }
        var lost = Watches.Clear();
        foreach (var (path, watcher) in lost)
        {
            _dispatcher.Enqueue(watcher, new WatchedEvent(WatchEventType.None, KeeperState.Closed, path));
        }
        SetState(ConnectionState.Closed, false);
        Log.Closed(_logger, _sessionId);
        await _dispatcher.CompleteAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _lifetime.Dispose();
    }
}
