using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ZkDiscovery;
using ZkDiscovery.Hosting;
using ZkDiscovery.Hosting.Configuration;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.Hosting.Discovery;
using Microsoft.Extensions.ServiceDiscovery;
using ZkDiscovery.Hosting.Registration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ZkDiscovery's ZooKeeper client, registration and discovery in a service collection.</summary>
public static class ZooKeeperServiceCollectionExtensions
{
    /// <summary>The configuration section <see cref="ZooKeeperClientOptions"/> are bound from: <c>ZooKeeper</c>.</summary>
    public const string SectionName = "ZooKeeper";

    /// <summary>
    /// Registers one shared <see cref="ZooKeeperClient"/> (singleton), its options bound from the <c>ZooKeeper</c>
    /// configuration section (when <c>ZooKeeper:ConnectionString</c> is not set, <c>ConnectionStrings:zookeeper</c> is
    /// used, as an Aspire AppHost provides it; see <see cref="ZooKeeperClientOptions.ConnectionName"/>) and validated when the host starts, and a hosted service that starts connecting in the
    /// background (the host starts even when ZooKeeper is down) and closes the session when the host has stopped.
    /// For the ZooKeeper configuration providers of the app's configuration (<c>builder.Configuration.AddZooKeeper(path)</c>),
    /// it also hands them the host's logging when the host starts (what they logged before is written then, in order)
    /// and adds the <c>zookeeper-configuration</c> health check. Safe to call more than once.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes to the options after binding; null for none.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddZooKeeper(this IServiceCollection services, Action<ZooKeeperClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(static d => d.ServiceType == typeof(ZooKeeperClientMarker)))
        {
            services.AddSingleton<ZooKeeperClientMarker>();
            services.AddOptions<ZooKeeperClientOptions>().BindConfiguration(SectionName).ValidateOnStart();
        }
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ZooKeeperClientOptions>, ZooKeeperConnectionStringFallback>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZooKeeperClientOptions>, ZooKeeperClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new ZooKeeperClient(
            sp.GetRequiredService<IOptions<ZooKeeperClientOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(static sp => new ZooKeeperHostingMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ZooKeeperClientHostedService>());
        ZooKeeperConfigurationIntegration.Add(services);
        return services;
    }

    /// <summary>
    /// Registers the app in ZooKeeper: once the server has started, every address it really serves (port 0 and wildcard
    /// hosts resolved, or <see cref="ZooKeeperRegistrationOptions.Addresses"/>) becomes an ephemeral node
    /// <c>SERVICEPATH/HOST:PORT</c> (default service path <c>/{ApplicationName}/providers</c>); the nodes are removed
    /// when the app starts stopping, before the server stops accepting. Options are bound from
    /// <c>ZooKeeper:Registration</c>. Also calls <see cref="AddZooKeeper"/>. Safe to call more than once.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes to the options after binding; null for none.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddZooKeeperRegistration(this IServiceCollection services, Action<ZooKeeperRegistrationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddZooKeeper();
        if (!services.Any(static d => d.ServiceType == typeof(ZooKeeperRegistrationService)))
        {
            services.AddOptions<ZooKeeperRegistrationOptions>().BindConfiguration(ZooKeeperRegistrationOptions.SectionName).ValidateOnStart();
            services.AddSingleton(static sp => new ZooKeeperRegistrationService(
                sp.GetRequiredService<ZooKeeperClient>(),
                sp.GetRequiredService<IOptions<ZooKeeperRegistrationOptions>>(),
                sp.GetRequiredService<IHostEnvironment>(),
                sp,
                sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ZooKeeperHostingMetrics>()));
            services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<ZooKeeperRegistrationService>());
        }
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZooKeeperRegistrationOptions>, ZooKeeperRegistrationOptionsValidator>());
        return services;
    }

    /// <summary>
    /// Registers ZkDiscovery's own discovery of services in ZooKeeper: the singleton cache
    /// <see cref="ZooKeeperServiceEndpointResolver"/> (lock-free snapshots) and an <see cref="IZooKeeperEndpointSelector"/>
    /// (the strategy in <see cref="ZooKeeperServiceDiscoveryOptions.SelectionStrategy"/> unless one is registered
    /// already) for <c>AddZooKeeperServiceDiscovery()</c> HttpClients. Options are bound from <c>ZooKeeper:Discovery</c>.
    /// Also calls <see cref="AddZooKeeper"/>. Safe to call more than once. For Microsoft.Extensions.ServiceDiscovery
    /// (<c>AddServiceDiscovery()</c>, YARP, Aspire), use <see cref="AddZooKeeperServiceEndpointProvider"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes to the options after binding; null for none.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddZooKeeperServiceDiscovery(this IServiceCollection services, Action<ZooKeeperServiceDiscoveryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddZooKeeper();
        if (!services.Any(static d => d.ServiceType == typeof(ZooKeeperServiceEndpointResolver)))
        {
            services.AddOptions<ZooKeeperServiceDiscoveryOptions>().BindConfiguration(ZooKeeperServiceDiscoveryOptions.SectionName).ValidateOnStart();
            services.AddSingleton(static sp => new ZooKeeperServiceEndpointResolver(
                sp.GetRequiredService<ZooKeeperClient>(),
                sp.GetRequiredService<IOptions<ZooKeeperServiceDiscoveryOptions>>(),
                sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ZooKeeperHostingMetrics>()));
        }
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZooKeeperServiceDiscoveryOptions>, ZooKeeperServiceDiscoveryOptionsValidator>());
        services.TryAddSingleton<IZooKeeperEndpointSelector>(static sp => sp.GetRequiredService<IOptions<ZooKeeperServiceDiscoveryOptions>>().Value.SelectionStrategy switch
        {
            ServiceEndpointSelectionStrategy.Random => new RandomEndpointSelector(),
            ServiceEndpointSelectionStrategy.PowerOfTwoChoices => new PowerOfTwoChoicesEndpointSelector(),
            _ => new RoundRobinEndpointSelector(),
        });
        return services;
    }

    /// <summary>
    /// Makes ZooKeeper a provider of Microsoft.Extensions.ServiceDiscovery: <c>http://fooservice/</c> through
    /// <c>AddServiceDiscovery()</c> HttpClients, <c>ServiceEndpointResolver</c> and YARP's destination resolver reaches a
    /// live child of the service's path (<c>ZooKeeper:Discovery:Services:{name}</c>, else
    /// <see cref="ZooKeeperServiceDiscoveryOptions.ServicePathFormat"/>). Adds ServiceDiscovery's core services, so it
    /// may be called before or after <c>AddServiceDiscovery()</c>; also calls
    /// <see cref="AddZooKeeperServiceDiscovery"/>, whose cache the providers share. Safe to call more than once.
    /// </summary>
    /// <remarks>
    /// Order of answers: a <c>Services:{name}</c> entry in configuration (Microsoft's configuration provider) wins; then
    /// ZooKeeper, for a service that is configured under <c>ZooKeeper:Discovery:Services</c> or whose path exists (its
    /// live children, possibly none); then the pass-through provider, which <c>AddServiceDiscovery()</c> adds, for names
    /// ZooKeeper does not know.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes to the discovery options after binding; null for none.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddZooKeeperServiceEndpointProvider(this IServiceCollection services, Action<ZooKeeperServiceDiscoveryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddServiceDiscoveryCore();
        services.AddZooKeeperServiceDiscovery(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceEndpointProviderFactory, ZooKeeperServiceEndpointProviderFactory>());
        return services;
    }

    /// <summary>Marks that the client's options were bound once.</summary>
    private sealed class ZooKeeperClientMarker;
}
