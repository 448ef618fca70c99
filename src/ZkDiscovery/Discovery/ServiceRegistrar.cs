using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZkDiscovery.Connection;
using ZkDiscovery.Diagnostics;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Discovery;

/// <summary>
/// Registers servers as ephemeral nodes <c>SERVICEPATH/HOST:PORT</c> whose data holds the registering process id
/// (<c>pid</c>) and other properties, as zc.zk does, and keeps them registered: after a session expiry every
/// registration is re-created with its latest data as soon as the new session is up. Thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// A wildcard or empty host (<c>""</c>, <c>0.0.0.0</c>, <c>[::]</c>, <c>::</c>, <c>+</c>, <c>*</c>) registers one node per
/// non-loopback IPv4 address of the machine (loopback addresses only when there is no other), unless
/// <see cref="ServiceRegistrationOptions.AdvertisedHost"/> is set. Missing parents of the service path are created as
/// persistent nodes. By default the nodes are world-readable and nobody else may write them
/// (see <see cref="ServiceRegistrationOptions.Acl"/>).
/// </para>
/// <para>
/// When a node already exists: if this session owns it, it is kept (its data brought up to date); if another session
/// owns it (typically a dead process whose session has not expired yet), it is deleted and created again.
/// </para>
/// <para>Disposing the registrar unregisters everything it registered. It does not own the client.</para>
/// </remarks>
public sealed partial class ServiceRegistrar : IAsyncDisposable
{
    private const int MaxAttempts = 10;

    private readonly ZooKeeperClient _client;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyList<IPAddress>> _machineAddresses;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _lock = new();
    private readonly List<ServiceRegistration> _registrations = [];
    // Re-creates the registrations after a new session; state events only signal it.
    private readonly CoalescingLoop _loop;
    private volatile bool _recreateFailed;
    private int _disposed;

    /// <summary>Creates a registrar that registers through <paramref name="client"/>.</summary>
    /// <param name="client">The client; the registrar does not own it.</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is null.</exception>
    public ServiceRegistrar(ZooKeeperClient client, ILoggerFactory? loggerFactory = null)
        : this(client, loggerFactory, ServiceAddresses.GetMachineIPv4Addresses)
    {
    }

    internal ServiceRegistrar(ZooKeeperClient client, ILoggerFactory? loggerFactory, Func<IReadOnlyList<IPAddress>> machineAddresses)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _logger = (ILogger?)loggerFactory?.CreateLogger<ServiceRegistrar>() ?? NullLogger.Instance;
        _machineAddresses = machineAddresses;
        _loop = new CoalescingLoop(RecreateAllAsync, (ex, delay) => Log.LoopFailed(_logger, delay, ex));
        _client.StateChanged += OnStateChanged;
        _loop.Start();
    }

    /// <summary>
    /// Raised by <see cref="RegisterAsync"/> before the nodes are created, on the caller's thread: handlers may add or
    /// change the properties. An exception from a handler fails the registration.
    /// </summary>
    public event EventHandler<ServiceRegisteringEventArgs>? Registering;

    /// <summary>The registrations currently kept, in the order they were made.</summary>
    public IReadOnlyList<ServiceRegistration> Registrations
    {
        get
        {
            lock (_lock)
            {
                return [.. _registrations];
            }
        }
    }

    /// <summary>
    /// Registers a server: creates the ephemeral node(s) <c>SERVICEPATH/HOST:PORT</c> holding <c>pid</c>,
    /// <paramref name="properties"/> and whatever <see cref="Registering"/> handlers add, and keeps them registered
    /// until the registration is removed.
    /// </summary>
    /// <param name="servicePath">The service path, e.g. <c>/cms/providers</c>; created (persistent) when missing.</param>
    /// <param name="host">The bound host; a wildcard or empty host means every IPv4 address of the machine.</param>
    /// <param name="port">The port (1-65535).</param>
    /// <param name="properties">More properties for the node data; they may override <c>pid</c>.</param>
    /// <param name="options">Advertised host and ACL; defaults when null.</param>
    /// <param name="cancellationToken">Abandons the registration (nodes already created are removed).</param>
    /// <returns>The registration, its nodes created.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="servicePath"/> or <paramref name="host"/> is null.</exception>
    /// <exception cref="ArgumentException">The service path or the host is invalid, or a property name appears twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is outside 1-65535.</exception>
    /// <exception cref="InvalidOperationException">One of the nodes is already registered by this registrar.</exception>
    /// <exception cref="ZooKeeperException">Creating a node failed, e.g. <see cref="NoAuthException"/> on the service path.</exception>
    /// <exception cref="ObjectDisposedException">The registrar or the client was disposed.</exception>
    public async Task<ServiceRegistration> RegisterAsync(
        string servicePath,
        string host,
        int port,
        IEnumerable<KeyValuePair<string, JsonNode?>>? properties = null,
        ServiceRegistrationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ZooKeeperPath.Validate(servicePath);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);

        var hosts = ServiceAddresses.GetHosts(host, options?.AdvertisedHost, _machineAddresses);
        var addresses = hosts.Select(h => ServiceAddresses.Format(h, port)).Distinct(StringComparer.Ordinal).ToArray();
        foreach (var address in addresses)
        {
            ZooKeeperPath.Validate(ZooKeeperPath.Combine(servicePath, address));
        }

        var data = WithPid(properties ?? []);
        var handlers = Registering;
        if (handlers is not null)
        {
            var editable = new Dictionary<string, JsonNode?>(data, StringComparer.Ordinal);
            handlers(this, new ServiceRegisteringEventArgs(servicePath, addresses, editable));
            data = new NodeProperties(editable);
        }
        var registration = new ServiceRegistration(this, servicePath, addresses, data, options?.Acl);
        if (ServiceAddresses.IsWildcard(host.Trim()) && string.IsNullOrWhiteSpace(options?.AdvertisedHost))
        {
            Log.WildcardExpanded(_logger, host, registration.AddressList);
        }

        await AddAsync(registration, cancellationToken).ConfigureAwait(false);
        Log.Registered(_logger, servicePath, registration.AddressList, _client.SessionId);
        return registration;
    }

    /// <summary>Keeps <paramref name="registration"/> and creates its nodes; on failure removes it again (and what was created).</summary>
    private async Task AddAsync(ServiceRegistration registration, CancellationToken cancellationToken)
    {
        using var activity = StartActivity(ZooKeeperActivitySource.RegisterSpan, registration);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                var taken = registration.Paths.FirstOrDefault(p => _registrations.Any(r => r.Paths.Contains(p, StringComparer.Ordinal)));
                if (taken is not null)
                {
                    throw new InvalidOperationException($"{taken} is already registered by this registrar; update or unregister that registration.");
                }
                _registrations.Add(registration);
            }
            try
            {
                await EnsureNodesAsync(registration, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Remove(registration);
                registration.MarkUnregistered();
                TraceFailed(activity, ex);
                if (ex is not OperationCanceledException)
                {
                    Log.RegistrationFailed(_logger, registration.ServicePath, registration.AddressList, ex);
                }
                await DeleteOwnNodesQuietlyAsync(registration).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
        TraceRegistered(activity);
    }

    /// <summary>Unregisters every registration (logging failures), stops re-creating them, and detaches from the client. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _client.StateChanged -= OnStateChanged;
        await _loop.DisposeAsync().ConfigureAwait(false);
        foreach (var registration in Registrations)
        {
            await UnregisterQuietlyAsync(registration).ConfigureAwait(false);
        }
    }

    /// <summary><c>pid</c> (this process) followed by <paramref name="properties"/>, which may override it.</summary>
    internal static NodeProperties WithPid(IEnumerable<KeyValuePair<string, JsonNode?>> properties)
    {
        var merged = new Dictionary<string, JsonNode?>(StringComparer.Ordinal) { [NodePropertyNames.Pid] = JsonValue.Create(Environment.ProcessId) };
        foreach (var (name, value) in properties)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(properties));
            merged[name] = value;
        }
        return new NodeProperties(merged);
    }

    internal async Task UpdateAsync(ServiceRegistration registration, NodeProperties? properties, CuratorServiceInstance? instance, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!registration.IsRegistered)
            {
                throw new InvalidOperationException($"The registration {registration} was removed.");
            }
            // Kept first: whatever happens below, a re-creation uses the new data.
            if (properties is not null)
            {
                registration.SetProperties(properties);
            }
            if (instance is not null)
            {
                registration.SetInstance(instance);
            }
            var data = registration.Data;
            foreach (var path in registration.Paths)
            {
                try
                {
                    await _client.ExecuteWithRetryAsync(ct => _client.SetDataAsync(path, data, -1, ct), cancellationToken).ConfigureAwait(false);
                }
                catch (NoNodeException)
                {
                    var acl = await GetAclAsync(registration, cancellationToken).ConfigureAwait(false);
                    await EnsureNodeAsync(registration.ServicePath, path, data, acl, cancellationToken).ConfigureAwait(false);
                }
                catch (NoAuthException)
                {
                    // The default ACL without credentials lets nobody write the node, its owner included: replace it
                    // in one transaction (deleting needs only the parent's permission).
                    await ReplaceNodeAsync(registration, path, data, cancellationToken).ConfigureAwait(false);
                }
            }
            Log.Updated(_logger, registration.ServicePath, registration.AddressList);
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async Task UnregisterAsync(ServiceRegistration registration, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!registration.MarkUnregistered())
            {
                return;
            }
            Remove(registration);
            foreach (var path in registration.Paths)
            {
                await DeleteOwnNodeAsync(path, cancellationToken).ConfigureAwait(false);
            }
            Log.Unregistered(_logger, registration.ServicePath, registration.AddressList);
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async ValueTask UnregisterQuietlyAsync(ServiceRegistration registration)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), TimeProvider.System);
        try
        {
            await UnregisterAsync(registration, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException or OperationCanceledException)
        {
            registration.MarkUnregistered();
            Remove(registration);
            Log.UnregisterFailed(_logger, registration.ServicePath, registration.AddressList, ex.Message);
        }
    }

    private void Remove(ServiceRegistration registration)
    {
        lock (_lock)
        {
            _registrations.Remove(registration);
        }
    }

    private void OnStateChanged(object? sender, ConnectionStateChangedEventArgs e)
    {
        // On the client's dispatcher: only wake the loop.
        if (e.State == ConnectionState.Connected && (e.IsNewSession || _recreateFailed))
        {
            _loop.Signal();
        }
    }

    private async Task RecreateAllAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _recreateFailed = false;
            // Those made in this very session (registered while the client was connecting) lost nothing.
            var sessionId = _client.SessionId;
            var registrations = Registrations.Where(r => r.OwnerSession == 0 || r.OwnerSession != sessionId).ToList();
            if (registrations.Count == 0)
            {
                return;
            }
            Log.Recreating(_logger, registrations.Count, sessionId);
            foreach (var registration in registrations)
            {
                using var activity = StartActivity(ZooKeeperActivitySource.ReregisterSpan, registration);
                try
                {
                    await EnsureNodesAsync(registration, cancellationToken).ConfigureAwait(false);
                    Log.Recreated(_logger, registration.ServicePath, registration.AddressList, _client.SessionId);
                    TraceRegistered(activity);
                }
                catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException)
                {
                    // Tried again when the client next connects.
                    _recreateFailed = true;
                    TraceFailed(activity, ex);
                    Log.RegistrationFailed(_logger, registration.ServicePath, registration.AddressList, ex);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task EnsureNodesAsync(ServiceRegistration registration, CancellationToken cancellationToken)
    {
        var acl = await GetAclAsync(registration, cancellationToken).ConfigureAwait(false);
        var data = registration.Data;
        long owner = 0;
        for (var i = 0; i < registration.Paths.Count; i++)
        {
            var nodeOwner = await EnsureNodeAsync(registration.ServicePath, registration.Paths[i], data, acl, cancellationToken).ConfigureAwait(false);
            owner = i == 0 || nodeOwner == owner ? nodeOwner : 0;
        }
        // The session the nodes belong to, as the server says: a new session that started meanwhile has none of them.
        registration.OwnerSession = owner;
    }

    /// <summary>
    /// Makes <paramref name="path"/> exist as an ephemeral node of this session holding <paramref name="data"/>.
    /// Connection losses and expiries are retried (requests wait for the next connection); other errors are thrown.
    /// </summary>
    /// <returns>The session that owns the node (its ephemeral owner).</returns>
    private async Task<long> EnsureNodeAsync(string servicePath, string path, byte[] data, IReadOnlyList<ZooKeeperAcl> acl, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var created = await _client.CreateAsync(path, data, CreateMode.Ephemeral, acl, null, cancellationToken).ConfigureAwait(false);
                return created.Stat.EphemeralOwner;
            }
            catch (NoNodeException) when (attempt < MaxAttempts)
            {
                await _client.EnsurePathAsync(servicePath, null, cancellationToken).ConfigureAwait(false);
            }
            catch (NodeExistsException) when (attempt < MaxAttempts)
            {
                NodeData existing;
                try
                {
                    existing = await _client.GetDataAsync(path, null, cancellationToken).ConfigureAwait(false);
                }
                catch (NoNodeException)
                {
                    continue; // Gone meanwhile: create it.
                }
                if (existing.Stat.EphemeralOwner == _client.SessionId)
                {
                    // Ours (an earlier attempt went through before the connection dropped, or a reconnect raced).
                    if (!existing.Data.AsSpan().SequenceEqual(data))
                    {
                        await _client.ExecuteWithRetryAsync(ct => _client.SetDataAsync(path, data, -1, ct), cancellationToken).ConfigureAwait(false);
                    }
                    return existing.Stat.EphemeralOwner;
                }
                Log.StaleNodeReplaced(_logger, path, existing.Stat.EphemeralOwner);
                try
                {
                    await _client.DeleteAsync(path, existing.Stat.Version, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is NoNodeException or BadVersionException)
                {
                    // Changed or gone meanwhile: look again.
                }
            }
            catch (ZooKeeperException ex) when ((ex.IsTransient || ex is SessionExpiredException) && attempt < MaxAttempts)
            {
                // The request failed with its connection or session; the next one waits for the next connection.
            }
        }
    }

    private async Task ReplaceNodeAsync(ServiceRegistration registration, string path, byte[] data, CancellationToken cancellationToken)
    {
        var acl = await GetAclAsync(registration, cancellationToken).ConfigureAwait(false);
        var stat = await _client.ExistsAsync(path, null, cancellationToken).ConfigureAwait(false);
        if (stat is null || stat.EphemeralOwner != _client.SessionId)
        {
            await EnsureNodeAsync(registration.ServicePath, path, data, acl, cancellationToken).ConfigureAwait(false);
            return;
        }
        await _client.MultiAsync(
            [MultiOperation.Delete(path, stat.Version), MultiOperation.Create(path, data, CreateMode.Ephemeral, acl)],
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<ZooKeeperAcl>> GetAclAsync(ServiceRegistration registration, CancellationToken cancellationToken)
    {
        if (registration.Acl is { } acl)
        {
            return acl;
        }
        IReadOnlyList<ClientIdentity> identities;
        try
        {
            identities = await _client.WhoAmIAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (UnimplementedException)
        {
            // Servers before 3.7 cannot tell; the node is then read-only for everyone.
            identities = [];
        }
        return identities.Any(static i => string.Equals(i.Scheme, "digest", StringComparison.Ordinal))
            ? [.. ZooKeeperAcl.ReadUnsafe, .. ZooKeeperAcl.CreatorAll]
            : ZooKeeperAcl.ReadUnsafe;
    }

    private async Task DeleteOwnNodeAsync(string path, CancellationToken cancellationToken)
    {
        var stat = await _client.ExistsAsync(path, null, cancellationToken).ConfigureAwait(false);
        if (stat is null || stat.EphemeralOwner != _client.SessionId)
        {
            return; // Gone, or another session's: not ours to delete.
        }
        try
        {
            await _client.ExecuteWithRetryAsync(ct => _client.DeleteAsync(path, -1, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
        }
    }

    private async Task DeleteOwnNodesQuietlyAsync(ServiceRegistration registration)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), TimeProvider.System);
        foreach (var path in registration.Paths)
        {
            try
            {
                await DeleteOwnNodeAsync(path, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException or OperationCanceledException)
            {
                // Best effort after a failed registration; the node is ephemeral anyway.
            }
        }
    }
}
