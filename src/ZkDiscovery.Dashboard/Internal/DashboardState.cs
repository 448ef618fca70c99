using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using ZkDiscovery.Configuration;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Hosting.Registration;

namespace ZkDiscovery.Dashboard.Internal;

/// <summary>
/// The dashboard's live state, one per app: the service catalogue, the meter totals and the change hub fed by snapshot
/// change tokens, the configuration's reload token and the client's state changes. Started on first use.
/// </summary>
internal sealed class DashboardState : IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly object _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _started;
    private ServiceCatalog? _catalog;
    private MeterTotals? _meter;
    private IDisposable? _configurationSubscription;
    private Task _namesLoop = Task.CompletedTask;

    public DashboardState(IServiceProvider services, IOptions<ZooKeeperDashboardOptions> options, TimeProvider time)
    {
        _services = services;
        Options = options.Value;
        Time = time;
        Client = services.GetService<ZooKeeperClient>() ?? throw new InvalidOperationException(
            "The ZooKeeper dashboard needs a ZooKeeperClient service: call builder.Services.AddZooKeeper() (or register a client).");
        Nodes = new Nodes.ZooKeeperNodes(Client);
        Configuration = services.GetService<IConfiguration>();
    }

    public ZooKeeperDashboardOptions Options { get; }

    public TimeProvider Time { get; }

    public ZooKeeperClient Client { get; }

    public Nodes.ZooKeeperNodes Nodes { get; }

    public IConfiguration? Configuration { get; }

    public ChangeHub Changes { get; } = new();

    public ServiceCatalog Catalog => _catalog ?? throw new InvalidOperationException("Not started.");

    public MeterTotals Meter => _meter ?? throw new InvalidOperationException("Not started.");

    /// <summary>Starts watching on the first request; later calls return the same task.</summary>
    public Task EnsureStartedAsync()
    {
        lock (_lock)
        {
            return _started ??= StartAsync();
        }
    }

    private async Task StartAsync()
    {
        var loggerFactory = _services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var resolver = _services.GetService<ZooKeeperServiceEndpointResolver>();
        var discovery = _services.GetService<IOptions<ZooKeeperServiceDiscoveryOptions>>();
        IEnumerable<string> configured = discovery is null ? [] : discovery.Value.Services.Keys;
        _meter = new MeterTotals(_services.GetService<IMeterFactory>(), Time);
        _catalog = new ServiceCatalog(Client, resolver, configured, loggerFactory, Time, () => Changes.Changed(ChangeHub.Services));
        Client.StateChanged += OnStateChanged;
        if (Configuration is not null)
        {
            var configuration = Configuration;
            _configurationSubscription = ChangeToken.OnChange(configuration.GetReloadToken, () => Changes.Changed(ChangeHub.Configuration));
        }
        if (_services.GetService<ZooKeeperRegistrationService>() is { } registration && !string.IsNullOrEmpty(registration.ServicePath))
        {
            _ = _catalog.Add(ServiceNameOf(registration.ServicePath), registration.ServicePath, "registration");
        }
        _catalog.SubscribeNewResolverNames();
        if (resolver is not null)
        {
            // The app may start using a service name at any time; the resolver has no event for that, so look for new
            // names (in memory, no ZooKeeper reads) every two seconds.
            _namesLoop = Task.Run(() => WatchResolverNamesAsync(_stop.Token));
        }
        if (Options.ServiceRoots.Count > 0)
        {
            await _catalog.AddRootsAsync(Options.ServiceRoots, _stop.Token).ConfigureAwait(false);
        }
    }

    private async Task WatchResolverNamesAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2), Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_catalog!.SubscribeNewResolverNames())
                {
                    Changes.Changed(ChangeHub.Services);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnStateChanged(object? sender, ConnectionStateChangedEventArgs e) => Changes.Changed(ChangeHub.Session);

    /// <summary><c>/fooservice/providers</c> is fooservice; any other path is named by its last segment.</summary>
    internal static string ServiceNameOf(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length switch
        {
            0 => "/",
            1 => segments[0],
            _ => segments[^1] == "providers" ? segments[^2] : segments[^1],
        };
    }

    /// <summary>True when the configuration key names a secret (its value is never sent to the page).</summary>
    public bool IsSecretKey(string key)
    {
        var compact = key.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        foreach (var marker in Options.SecretKeyMarkers)
        {
            if (!string.IsNullOrEmpty(marker) && compact.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        // The client's own digest credentials, whatever the markers say.
        return key.Contains("DigestCredentials", StringComparison.OrdinalIgnoreCase);
    }

    public List<ConfigurationProviderDto> GetConfiguration()
    {
        var result = new List<ConfigurationProviderDto>();
        foreach (var provider in ZooKeeperConfigurationProviders.Find(Configuration))
        {
            var report = provider.GetReport();
            var raw = provider as IConfigurationProvider;
            var keys = new List<ConfigurationKeyDto>(report.Keys.Count);
            foreach (var source in report.Keys)
            {
                string? value = null;
                raw?.TryGet(source.Key, out value);
                var effective = Configuration?[source.Key];
                var secret = IsSecretKey(source.Key);
                keys.Add(new ConfigurationKeyDto(source.Key, secret ? null : value, secret, Configuration is not null && effective != value, source.NodePath, source.Links));
            }
            result.Add(new ConfigurationProviderDto(report.Path, report.IsOptional, report.Status.ToString(), report.LastReloadTime, report.LastGoodDataTime,
                report.LastError, report.LastErrorTime, keys));
        }
        return result;
    }

    public SessionDto GetSession()
    {
        var state = Client.State;
        return new SessionDto(
            state.ToString(),
            state is ConnectionState.Connected or ConnectionState.ConnectedReadOnly,
            state == ConnectionState.ConnectedReadOnly,
            Client.ConnectedServer,
            "0x" + Client.SessionId.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
            Client.SessionTimeout.TotalSeconds,
            Client.Chroot,
            "0x" + Client.LastZxid.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
            Meter.Read());
    }

    public async ValueTask DisposeAsync()
    {
        Client.StateChanged -= OnStateChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _namesLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _configurationSubscription?.Dispose();
        if (_catalog is not null)
        {
            await _catalog.DisposeAsync().ConfigureAwait(false);
        }
        _meter?.Dispose();
        _stop.Dispose();
    }
}
