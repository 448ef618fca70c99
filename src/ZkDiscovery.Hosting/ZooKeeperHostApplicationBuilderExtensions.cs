using Microsoft.Extensions.DependencyInjection;
using ZkDiscovery;

namespace Microsoft.Extensions.Hosting;

/// <summary>ZooKeeper on an <see cref="IHostApplicationBuilder"/> (the Aspire-style entry point).</summary>
public static class ZooKeeperHostApplicationBuilderExtensions
{
    /// <summary>
    /// Registers the shared <see cref="ZooKeeperClient"/> (options from the <c>ZooKeeper</c> section) and its health
    /// check (<c>zookeeper</c>), as <see cref="ZooKeeperServiceCollectionExtensions.AddZooKeeper"/> and
    /// <see cref="ZooKeeperHealthChecksBuilderExtensions.AddZooKeeper"/> do. Safe to call more than once.
    /// </summary>
    /// <param name="builder">The host builder.</param>
    /// <param name="configure">Changes to the client options after binding; null for none.</param>
    /// <param name="addHealthCheck">Whether to add the <c>zookeeper</c> health check.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IHostApplicationBuilder AddZooKeeper(this IHostApplicationBuilder builder, Action<ZooKeeperClientOptions>? configure = null, bool addHealthCheck = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddZooKeeper(configure);
        if (addHealthCheck && !builder.Services.Any(static d => d.ServiceType == typeof(HealthCheckMarker)))
        {
            builder.Services.AddSingleton<HealthCheckMarker>();
            builder.Services.AddHealthChecks().AddZooKeeper();
        }
        return builder;
    }

    private sealed class HealthCheckMarker;
}
