using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// Microsoft.Extensions.ServiceDiscovery's provider factory for ZooKeeper. The providers it creates are thin and
/// short-lived (ServiceDiscovery creates one per resolution pipeline and disposes it when the pipeline has been idle):
/// watches and data live in the singleton <see cref="ZooKeeperServiceEndpointResolver"/>, so creating and disposing
/// providers never touches ZooKeeper. A provider keeps its service watched while it lives; the resolver stops watching a
/// service no provider holds once it was unused for <see cref="ZooKeeperServiceDiscoveryOptions.UnusedServiceTimeout"/>
/// (unless it is configured).
/// </summary>
internal sealed partial class ZooKeeperServiceEndpointProviderFactory : IServiceEndpointProviderFactory
{
    private readonly ZooKeeperServiceEndpointResolver _resolver;
    private readonly IOptions<ServiceDiscoveryOptions> _serviceDiscoveryOptions;
    private readonly IConfiguration? _configuration;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ZooKeeperServiceEndpointProviderFactory(
        ZooKeeperServiceEndpointResolver resolver,
        IOptions<ServiceDiscoveryOptions> serviceDiscoveryOptions,
        TimeProvider time,
        ILogger<ZooKeeperServiceEndpointProviderFactory> logger,
        IConfiguration? configuration = null)
    {
        _resolver = resolver;
        _serviceDiscoveryOptions = serviceDiscoveryOptions;
        _configuration = configuration;
        _time = time;
        _logger = logger;
    }

    /// <summary>The section Microsoft's configuration provider reads endpoints from (<c>Services:{name}</c>).</summary>
    internal const string ConfigurationSectionName = "Services";

    public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(query);
        provider = null;
        if (!_resolver.TryGetServicePath(query.ServiceName, out var path))
        {
            return false; // Not a name ZooKeeper can hold a service under.
        }
        var options = _serviceDiscoveryOptions.Value;
        var schemes = options.ApplyAllowedSchemes(query.IncludedSchemes);
        var allSchemes = options.AllowAllSchemes && query.IncludedSchemes.Count == 0;
        provider = new Provider(this, query, path, allSchemes ? null : [.. schemes]);
        return true;
    }

    /// <summary>True when configuration names endpoints for the service: Microsoft's configuration provider answers then.</summary>
    private bool IsOverriddenByConfiguration(string serviceName) =>
        _configuration?.GetSection(ConfigurationSectionName).GetSection(serviceName).Exists() == true;

    /// <summary>
    /// Adds the endpoints of <paramref name="snapshot"/> that match the query: its endpoint name (none: the default endpoint,
    /// else the first of the query's schemes used as an endpoint name), and its schemes (the first scheme that has
    /// endpoints wins, so <c>https+http</c> prefers https; an endpoint registered without a scheme always matches).
    /// </summary>
    internal static void AddMatching(IList<ServiceEndpoint> target, ServiceEndpointSnapshot snapshot, string? endpointName, string[]? schemes)
    {
        var endpoints = snapshot.Endpoints;
        string? name = endpointName;
        if (name is null)
        {
            // The default endpoint; failing that, the first scheme that is also an endpoint name.
            var found = false;
            foreach (var endpoint in endpoints)
            {
                if (IsDefault(endpoint.EndpointName))
                {
                    found = true;
                    break;
                }
            }
            if (!found && schemes is not null)
            {
                foreach (var scheme in schemes)
                {
                    foreach (var endpoint in endpoints)
                    {
                        if (string.Equals(endpoint.EndpointName, scheme, StringComparison.OrdinalIgnoreCase))
                        {
                            name = scheme;
                            break;
                        }
                    }
                    if (name is not null)
                    {
                        break;
                    }
                }
            }
        }

        var best = int.MaxValue;
        if (schemes is not null)
        {
            foreach (var endpoint in endpoints)
            {
                if (Matches(endpoint, name) && endpoint.Scheme is { } scheme)
                {
                    var index = IndexOf(schemes, scheme);
                    if (index >= 0 && index < best)
                    {
                        best = index;
                    }
                }
            }
        }
        foreach (var endpoint in endpoints)
        {
            if (!Matches(endpoint, name))
            {
                continue;
            }
            if (schemes is null || endpoint.Scheme is not { } scheme || IndexOf(schemes, scheme) == best)
            {
                target.Add(endpoint);
            }
        }

        static bool IsDefault(string? endpointName) => endpointName is null || string.Equals(endpointName, "default", StringComparison.OrdinalIgnoreCase);

        static bool Matches(ZooKeeperServiceEndpoint endpoint, string? name) =>
            name is null ? IsDefault(endpoint.EndpointName) : string.Equals(endpoint.EndpointName, name, StringComparison.OrdinalIgnoreCase);

        static int IndexOf(string[] schemes, string scheme)
        {
            for (var i = 0; i < schemes.Length; i++)
            {
                if (string.Equals(schemes[i], scheme, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
            return -1;
        }
    }

    /// <remarks>
    /// The provider keeps its service watched from its first population until it is disposed (a lease on the resolver's
    /// watcher): while ServiceDiscovery holds the provider it relies on the change token, so the watch must stay.
    /// </remarks>
    private sealed class Provider(ZooKeeperServiceEndpointProviderFactory factory, ServiceEndpointQuery query, string path, string[]? schemes) : IServiceEndpointProvider
    {
        private readonly object _gate = new();
        private ServiceEndpointWatcher? _watcher;
        private bool _disposed;

        public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(endpoints);
            if (endpoints.Endpoints.Count != 0 || factory.IsOverriddenByConfiguration(query.ServiceName))
            {
                // An earlier provider answered, or configuration names the endpoints: its answer stands.
                Log.Skipped(factory._logger, query.ServiceName);
                return default;
            }
            var pending = factory._resolver.GetLoadedSnapshotAsync(Lease(), cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                Populate(endpoints, pending.Result);
                return default;
            }
            return PopulateSlowAsync(endpoints, pending);
        }

        private async ValueTask PopulateSlowAsync(IServiceEndpointBuilder endpoints, ValueTask<ServiceEndpointSnapshot> pending) =>
            Populate(endpoints, await pending.ConfigureAwait(false));

        private void Populate(IServiceEndpointBuilder endpoints, ServiceEndpointSnapshot snapshot)
        {
            // Always a token: ServiceDiscovery polls only when no provider gives one that calls back.
            endpoints.AddChangeToken(snapshot.GetProviderToken(factory._time));
            if (!snapshot.PathExists && !factory._resolver.IsConfigured(query.ServiceName))
            {
                // Not a ZooKeeper service (yet): the pass-through provider, if any, answers; the token fires when the path appears.
                Log.NotInZooKeeper(factory._logger, query.ServiceName, path);
                return;
            }
            endpoints.Features.Set(snapshot);
            AddMatching(endpoints.Endpoints, snapshot, query.EndpointName, schemes);
        }

        /// <summary>The watcher of the service, leased at the first call.</summary>
        private ServiceEndpointWatcher Lease()
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _watcher ??= factory._resolver.Lease(query.ServiceName);
            }
        }

        // The watches belong to the resolver's shared cache: the lease ends, the resolver decides when the watch goes.
        public ValueTask DisposeAsync()
        {
            ServiceEndpointWatcher? watcher;
            lock (_gate)
            {
                _disposed = true;
                watcher = _watcher;
                _watcher = null;
            }
            if (watcher is not null)
            {
                factory._resolver.Release(watcher);
            }
            return default;
        }

        public override string ToString() => "ZooKeeper";
    }
}
