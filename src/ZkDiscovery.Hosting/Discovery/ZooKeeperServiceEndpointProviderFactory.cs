using System.Diagnostics.CodeAnalysis;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>Serves every query from ZooKeeper through the shared <see cref="ZooKeeperServiceEndpointResolver"/>.</summary>
internal sealed class ZooKeeperServiceEndpointProviderFactory(ZooKeeperServiceEndpointResolver resolver) : IServiceEndpointProviderFactory
{
    public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(query);
        provider = new Provider(resolver, query);
        return true;
    }

    private sealed class Provider(ZooKeeperServiceEndpointResolver resolver, ServiceEndpointQuery query) : IServiceEndpointProvider
    {
        public async ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(endpoints);
            if (endpoints.Endpoints.Count != 0)
            {
                return; // An earlier provider found endpoints: the first one wins.
            }
            var snapshot = await resolver.GetSnapshotAsync(query.ServiceName, cancellationToken).ConfigureAwait(false);
            foreach (var endpoint in snapshot.Endpoints)
            {
                if (query.IncludedSchemes.Count == 0 || query.IncludedSchemes.Contains(endpoint.Uri.Scheme, StringComparer.OrdinalIgnoreCase))
                {
                    endpoints.Endpoints.Add(endpoint);
                }
            }
            endpoints.AddChangeToken(snapshot.ChangeToken);
        }

        // The watcher is shared and owned by the resolver.
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
