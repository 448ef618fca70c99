using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Hosting.Http;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>HttpClient integration of ZkDiscovery's service discovery.</summary>
public static class ZooKeeperHttpClientBuilderExtensions
{
    /// <summary>
    /// Sends requests for <c>http://SERVICE/...</c> to a live endpoint of SERVICE found in ZooKeeper (the request host
    /// is the service name; see <see cref="ZooKeeperServiceDiscoveryOptions"/> for name → path). A connection failure
    /// tries another endpoint (up to <see cref="ZooKeeperServiceDiscoveryOptions.MaxConnectAttempts"/>); a service
    /// without endpoints fails with <see cref="ServiceEndpointNotFoundException"/> naming the service and its path.
    /// Calls <see cref="ZooKeeperServiceCollectionExtensions.AddZooKeeperServiceDiscovery"/>.
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IHttpClientBuilder AddZooKeeperServiceDiscovery(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddZooKeeperServiceDiscovery();
        builder.Services.TryAddSingleton<ZooKeeperHttpRetryPipeline>();
        builder.AddHttpMessageHandler(static sp => new ZooKeeperServiceDiscoveryHandler(
            sp.GetRequiredService<ZooKeeperServiceEndpointResolver>(),
            sp.GetRequiredService<IZooKeeperEndpointSelector>(),
            sp.GetRequiredService<ZooKeeperHttpRetryPipeline>(),
            sp.GetRequiredService<ILogger<ZooKeeperServiceDiscoveryHandler>>()));
        return builder;
    }
}
