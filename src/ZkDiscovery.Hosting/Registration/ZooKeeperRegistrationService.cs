using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZkDiscovery.Connection;
using ZkDiscovery.Discovery;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Registration;

/// <summary>
/// Registers the app's addresses as ephemeral nodes once the server has started (<see cref="StartedAsync"/>: Kestrel
/// has bound, port 0 and wildcards resolved) and removes them when the app starts stopping (<see cref="StoppingAsync"/>,
/// before Kestrel stops accepting), then waits the drain delay.
/// </summary>
/// <remarks>
/// Registration runs in the background: when ZooKeeper is down the app starts anyway and registers once it is up.
/// A reconciler then keeps "my nodes exist, owned by my session, with my data" true: the core registrar re-creates the
/// nodes after a session expiry; the reconciler watches each node and repairs a node deleted, taken by another session
/// or changed by someone else, and checks again after every reconnect.
/// </remarks>
internal sealed partial class ZooKeeperRegistrationService : IHostedLifecycleService, IAsyncDisposable
{
    private readonly ZooKeeperClient _client;
    private readonly ZooKeeperRegistrationOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ZooKeeperHostingMetrics _metrics;
    private readonly ServiceRegistrar _registrar;
    private readonly string _servicePath;
    private readonly string _applicationName;
    private readonly Func<string, string?> _environment;
    private readonly Func<IReadOnlyList<IPAddress>> _machineAddresses;
    // Registers the chosen addresses, then reconciles on every signal (watch events, reconnects, its own re-checks).
    private readonly CoalescingLoop _loop;
    private readonly Action<WatchedEvent> _watcher;
    private readonly List<Entry> _entries = [];
    private readonly object _lock = new();
    // Owned by the loop: the addresses still to register (null once all are), and how many of them are.
    private IReadOnlyList<RegistrationAddress>? _toRegister;
    private int _registeredCount;
    private long _newSessionTimestamp;
    private int _stopped;

    public ZooKeeperRegistrationService(
        ZooKeeperClient client,
        IOptions<ZooKeeperRegistrationOptions> options,
        IHostEnvironment environment,
        IServiceProvider services,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        ZooKeeperHostingMetrics metrics)
        : this(client, options, environment, services, loggerFactory, time, metrics, Environment.GetEnvironmentVariable, AddressSelector.GetMachineIPv4Addresses)
    {
    }

    internal ZooKeeperRegistrationService(
        ZooKeeperClient client,
        IOptions<ZooKeeperRegistrationOptions> options,
        IHostEnvironment environment,
        IServiceProvider services,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        ZooKeeperHostingMetrics metrics,
        Func<string, string?> environmentVariables,
        Func<IReadOnlyList<IPAddress>> machineAddresses)
    {
        _client = client;
        _options = options.Value;
        _services = services;
        _logger = loggerFactory.CreateLogger<ZooKeeperRegistrationService>();
        _time = time;
        _metrics = metrics;
        _environment = environmentVariables;
        _machineAddresses = machineAddresses;
        _applicationName = environment.ApplicationName;
        _servicePath = _options.ServicePath ?? (_options.Layout == ZooKeeperRegistrationLayout.Curator
            ? CuratorLayout.DefaultServicePath(environment.ApplicationName)
            : DefaultServicePath(environment.ApplicationName));
        _registrar = new ServiceRegistrar(client, loggerFactory);
        _registrar.Registering += (_, e) => _options.OnRegistering?.Invoke(e);
        _watcher = OnWatch;
        _loop = new CoalescingLoop(StepAsync, (ex, delay) => Log.LoopFailed(_logger, _servicePath, delay, ex), time: time);
    }

    /// <summary>The service path nodes are created under.</summary>
    public string ServicePath => _servicePath;

    /// <summary>The registrations made so far (empty before the first succeeds).</summary>
    public IReadOnlyList<ServiceRegistration> Registrations
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries.Select(static e => e.Registration)];
            }
        }
    }

    /// <summary>The addresses chosen at start (empty before <see cref="StartedAsync"/>).</summary>
    public IReadOnlyList<RegistrationAddress> Addresses { get; private set; } = [];

    /// <summary>Completes when every chosen address is registered (or registration was stopped).</summary>
    public Task Registered => _registeredTcs.Task;

    private readonly TaskCompletionSource _registeredTcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal static string DefaultServicePath(string applicationName)
    {
        var name = string.IsNullOrWhiteSpace(applicationName) ? "app" : applicationName.Trim().Replace('/', '_');
        return "/" + name + "/providers";
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            _registeredTcs.TrySetResult();
            return Task.CompletedTask;
        }
        var bound = GetBoundAddresses();
        var candidates = new List<(BoundAddress Bound, AddressCandidate Candidate)>();
        var chosen = AddressSelector.Select(bound, _options, _environment, _machineAddresses, candidates);
        foreach (var (address, candidate) in candidates)
        {
            Log.Candidate(_logger, address.Text, candidate.Source, candidate.Host, candidate.Chosen, candidate.Reason);
        }
        foreach (var address in chosen)
        {
            Log.Chosen(_logger, address.Bound, address.Uri, address.Source, _servicePath);
            if (AddressSelector.IsLoopback(address.Host))
            {
                Log.Loopback(_logger, address.Name, _servicePath);
            }
        }
        if (chosen.Count == 0)
        {
            Log.NoAddresses(_logger, _servicePath);
            _registeredTcs.TrySetResult();
            return Task.CompletedTask;
        }
        Addresses = chosen;
        _client.StateChanged += OnStateChanged;
        // The registration outlives the host's start: its loop must not carry StartAsync's AsyncLocals.
        _toRegister = chosen;
        _loop.Signal();
        _loop.Start();
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        _client.StateChanged -= OnStateChanged;
        await _loop.DisposeAsync().ConfigureAwait(false);
        _registeredTcs.TrySetResult();

        var registrations = Registrations;
        if (registrations.Count > 0)
        {
            var drained = await DrainCuratorInstancesAsync(registrations, cancellationToken).ConfigureAwait(false);
            Log.Deregistering(_logger, registrations.Count, _servicePath);
            // Bounded: when ZooKeeper is unreachable the session (and its nodes) ends with the client anyway.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            foreach (var registration in registrations)
            {
                try
                {
                    await registration.UnregisterAsync(timeout.Token).ConfigureAwait(false);
                    Log.Deregistered(_logger, registration.Paths[0]);
                }
                catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException or OperationCanceledException)
                {
                    Log.DeregisterFailed(_logger, registration.Paths[0], ex.Message);
                }
            }
            if (_options.DrainDelay > TimeSpan.Zero && !drained)
            {
                Log.Draining(_logger, _options.DrainDelay);
                try
                {
                    await Task.Delay(_options.DrainDelay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _client.StateChanged -= OnStateChanged;
        await _loop.DisposeAsync().ConfigureAwait(false);
        await _registrar.DisposeAsync().ConfigureAwait(false);
    }

    private List<BoundAddress> GetBoundAddresses()
    {
        var result = new List<BoundAddress>();
        IEnumerable<string> texts;
        if (_options.Addresses is { Count: > 0 } explicitAddresses)
        {
            texts = explicitAddresses;
        }
        else if (_services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>() is { } feature)
        {
            texts = feature.Addresses;
        }
        else
        {
            Log.NoServer(_logger);
            texts = [];
        }
        foreach (var text in texts)
        {
            if (AddressSelector.TryParseAddress(text, out var address))
            {
                result.Add(address.Value);
            }
        }
        return result;
    }

    /// <summary>One pass of the loop: registers the addresses not registered yet (the first pass), then checks every node.</summary>
    private async Task StepAsync(CancellationToken cancellationToken)
    {
        if (_toRegister is { } addresses)
        {
            while (_registeredCount < addresses.Count)
            {
                var address = addresses[_registeredCount];
                var registration = await RegisterWithRetriesAsync(address, cancellationToken).ConfigureAwait(false);
                lock (_lock)
                {
                    _entries.Add(new Entry(address, registration) { VerifiedSession = _client.SessionId });
                }
                _registeredCount++;
                _metrics.Registered(_servicePath);
                Log.Registered(_logger, registration.Paths[0], address.Uri);
            }
            _toRegister = null;
            _registeredTcs.TrySetResult();
        }
        await ReconcileAllAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<ServiceRegistration> RegisterWithRetriesAsync(RegistrationAddress address, CancellationToken cancellationToken)
    {
        var properties = BuildProperties(address);
        var registrationOptions = new ServiceRegistrationOptions { Acl = _options.Acl };
        using var activity = ZooKeeperHostingActivitySource.StartRegistration(_servicePath, address.Name);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (_client.State is not (ConnectionState.Connected or ConnectionState.ConnectedReadOnly))
                {
                    Log.Waiting(_logger, address.Name, _servicePath);
                }
                await _client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                var registration = IsCurator
                    ? await RegisterCuratorInstanceAsync(address, registrationOptions, cancellationToken).ConfigureAwait(false)
                    : await _registrar.RegisterAsync(_servicePath, address.Host, address.Port, properties, registrationOptions, cancellationToken).ConfigureAwait(false);
                ZooKeeperHostingActivitySource.Registered(activity, attempt, _client.SessionId);
                return registration;
            }
            catch (Exception ex) when (ex is ZooKeeperException or InvalidOperationException or ArgumentException && !cancellationToken.IsCancellationRequested)
            {
                ZooKeeperHostingActivitySource.RegistrationRetry(activity, attempt, ex);
                Log.Retry(_logger, address.Name, _servicePath, attempt, _options.RetryDelay, ex.Message);
                await Task.Delay(_options.RetryDelay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private List<KeyValuePair<string, JsonNode?>> BuildProperties(RegistrationAddress address)
    {
        var version = _options.Version
            ?? Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var properties = new List<KeyValuePair<string, JsonNode?>>
        {
            new("scheme", address.Scheme),
            new("host", address.Host),
            new("port", address.Port),
            new("uri", address.Uri.ToString()),
            new("application", _applicationName),
            new("version", version is null ? null : JsonValue.Create(version)),
            new("started", _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (_options.Metadata is { Count: > 0 } metadata)
        {
            var obj = new JsonObject();
            foreach (var (key, value) in metadata.OrderBy(static m => m.Key, StringComparer.Ordinal))
            {
                obj[key] = value;
            }
            properties.Add(new("metadata", obj));
        }
        return properties;
    }

    private void OnStateChanged(object? sender, ConnectionStateChangedEventArgs e)
    {
        // On the client's dispatcher: note and wake the reconciler only.
        if (e.State is ConnectionState.Connected or ConnectionState.ConnectedReadOnly)
        {
            if (e.IsNewSession)
            {
                Interlocked.Exchange(ref _newSessionTimestamp, _time.GetTimestamp());
            }
            _loop.Signal();
        }
    }

    private void OnWatch(WatchedEvent e)
    {
        if (e.Type is WatchEventType.NodeDeleted or WatchEventType.NodeCreated or WatchEventType.NodeDataChanged)
        {
            _loop.Signal();
        }
    }

    private async Task ReconcileAllAsync(CancellationToken cancellationToken)
    {
        Entry[] entries;
        lock (_lock)
        {
            entries = [.. _entries];
        }
        foreach (var entry in entries)
        {
            try
            {
                await ReconcileAsync(entry, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ZooKeeperException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                // Checked again on the next reconnect or watch event.
                Log.ReconcileFailed(_logger, entry.Registration.Paths[0], ex.Message);
            }
        }
    }

    /// <summary>Makes sure the node exists, is owned by this session and holds the registration's data; arms a watch on it.</summary>
    private async Task ReconcileAsync(Entry entry, CancellationToken cancellationToken)
    {
        if (_client.State is not (ConnectionState.Connected or ConnectionState.ConnectedReadOnly))
        {
            return; // The next Connected event checks again.
        }
        var registration = entry.Registration;
        var path = registration.Paths[0];
        var sessionId = _client.SessionId;
        var expected = registration.GetNodeData();
        NodeData node = default;
        var exists = true;
        try
        {
            node = await _client.GetDataAsync(path, _watcher, cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
            exists = false;
        }

        string? problem = null;
        if (!exists)
        {
            // Right after a new session the core registrar is re-creating the nodes: give it a moment (its NodeCreated
            // fires the exists watch armed here) before repairing ourselves, so the node is not created twice.
            var stat = await _client.ExistsAsync(path, _watcher, cancellationToken).ConfigureAwait(false);
            if (stat is not null)
            {
                _loop.Signal();
                return;
            }
            var sinceNewSession = _time.GetElapsedTime(Interlocked.Read(ref _newSessionTimestamp));
            var grace = TimeSpan.FromSeconds(2);
            if (sinceNewSession < grace)
            {
                _ = WakeLaterAsync(grace - sinceNewSession, cancellationToken);
                return;
            }
            problem = "missing";
        }
        else if (node.Stat.EphemeralOwner != sessionId)
        {
            problem = "owned by another session";
            try
            {
                await _client.DeleteAsync(path, node.Stat.Version, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NoNodeException or BadVersionException)
            {
            }
        }
        else if (!node.Data.AsSpan().SequenceEqual(expected))
        {
            problem = "changed by someone else";
        }

        if (problem is null)
        {
            if (entry.VerifiedSession != sessionId)
            {
                // The registrar re-created the node in a new session.
                entry.VerifiedSession = sessionId;
                _metrics.Reregistered(_servicePath, "new-session");
            }
            return;
        }

        using var activity = ZooKeeperHostingActivitySource.StartRepair(_servicePath, path, problem);
        try
        {
            await registration.RewriteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ZooKeeperHostingActivitySource.Failed(activity, ex))
        {
        }
        entry.VerifiedSession = _client.SessionId;
        _metrics.Reregistered(_servicePath, problem);
        Log.Repaired(_logger, path, problem, _client.SessionId);
        _loop.Signal(); // Re-check, arming the watch again.
    }

    private async Task WakeLaterAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            _loop.Signal();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class Entry(RegistrationAddress address, ServiceRegistration registration)
    {
        public RegistrationAddress Address { get; } = address;

        public ServiceRegistration Registration { get; } = registration;

        public long VerifiedSession { get; set; }
    }
}
