using Microsoft.Extensions.DependencyInjection.Extensions;
using ZkDiscovery.Dashboard;
using ZkDiscovery.Dashboard.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ZooKeeper dashboard's services.</summary>
public static class ZooKeeperDashboardServiceCollectionExtensions
{
    /// <summary>
    /// Adds what <c>MapZooKeeperDashboard</c> needs: its options (section <see cref="ZooKeeperDashboardOptions.SectionName"/>,
    /// then <paramref name="configure"/>), antiforgery and authorization services, and the dashboard's live state. The
    /// app must also register a <see cref="ZkDiscovery.ZooKeeperClient"/> (for example with <c>AddZooKeeper()</c>). Safe to
    /// call more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes the options after binding; null for none.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddZooKeeperDashboard(this IServiceCollection services, Action<ZooKeeperDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(static d => d.ServiceType == typeof(DashboardMarker)))
        {
            services.AddSingleton<DashboardMarker>();
            services.AddOptions<ZooKeeperDashboardOptions>().Configure<IServiceProvider>(static (options, sp) =>
            {
                if (sp.GetService<Microsoft.Extensions.Configuration.IConfiguration>() is { } configuration)
                {
                    Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(ZooKeeperDashboardOptions.SectionName), options);
                }
            });
        }
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.AddAntiforgery();
        // The full authorization services: WebApplication adds the authorization middleware when it finds them.
        services.AddAuthorization();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DashboardState>();
        return services;
    }
}
