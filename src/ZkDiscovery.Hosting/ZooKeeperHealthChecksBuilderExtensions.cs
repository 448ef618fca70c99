using Microsoft.Extensions.Diagnostics.HealthChecks;
using ZkDiscovery;
using ZkDiscovery.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Health check of the shared ZooKeeper client.</summary>
public static class ZooKeeperHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the shared <see cref="ZooKeeperClient"/>'s session: connected = Healthy; suspended, connecting
    /// or read-only = Degraded; expired, closed or auth failed = <paramref name="failureStatus"/>. Its data holds the
    /// session id (hex), the server and the state. Calls <see cref="ZooKeeperServiceCollectionExtensions.AddZooKeeper"/>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported when the session is gone; Unhealthy when null.</param>
    /// <param name="tags">Tags of the check.</param>
    /// <param name="timeout">The check's timeout.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IHealthChecksBuilder AddZooKeeper(this IHealthChecksBuilder builder, string name = "zookeeper", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Services.AddZooKeeper();
        return builder.Add(new HealthCheckRegistration(
            name,
            static sp => new ZooKeeperHealthCheck(sp.GetRequiredService<ZooKeeperClient>()),
            failureStatus,
            tags,
            timeout));
    }
}
