using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZkDiscovery.Hosting.Configuration;

/// <summary>
/// What the hosting integration does for the ZooKeeper configuration providers of the app (found at run time through
/// <c>IConfigurationRoot.Providers</c>; this package does not reference ZkDiscovery.Configuration): the host's logging
/// for them and the <c>zookeeper-configuration</c> health check. Added by <c>AddZooKeeper()</c>; idempotent.
/// </summary>
internal static class ZooKeeperConfigurationIntegration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ZooKeeperConfigurationHostedService>(static sp => new ZooKeeperConfigurationHostedService(
            sp.GetService<IConfiguration>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance)));
        if (!services.Any(static d => d.ServiceType == typeof(HealthCheckMarker)))
        {
            services.AddSingleton<HealthCheckMarker>();
            services.AddHealthChecks().Add(new HealthCheckRegistration(
                ZooKeeperConfigurationHealthCheck.Name,
                static sp => new ZooKeeperConfigurationHealthCheck(sp.GetService<IConfiguration>()),
                failureStatus: null,
                tags: ["zookeeper", "configuration"]));
        }
    }

    private sealed class HealthCheckMarker;
}
