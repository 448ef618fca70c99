using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ZkDiscovery.Dashboard.Internal;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ZooKeeper dashboard.</summary>
public static class ZooKeeperDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the ZooKeeper dashboard at <paramref name="pattern"/>: the page (<c>PATTERN/</c>, from files embedded in the
    /// assembly), its JSON API (<c>PATTERN/api/...</c>) and its live feed (<c>PATTERN/api/events</c>, Server-Sent Events).
    /// Needs <c>services.AddZooKeeperDashboard()</c> and a registered <see cref="ZkDiscovery.ZooKeeperClient"/>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder (the app).</param>
    /// <param name="pattern">The route prefix, for example <c>/zookeeper</c>.</param>
    /// <returns>The convention builder of all the dashboard's endpoints, e.g. for <c>.RequireAuthorization(...)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><c>AddZooKeeperDashboard()</c> was not called, or no <see cref="ZkDiscovery.ZooKeeperClient"/> is registered.</exception>
    public static IEndpointConventionBuilder MapZooKeeperDashboard(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/zookeeper")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        if (endpoints.ServiceProvider.GetService<DashboardMarker>() is null)
        {
            throw new InvalidOperationException(
                "MapZooKeeperDashboard needs the dashboard's services: call builder.Services.AddZooKeeperDashboard() before building the app.");
        }
        if (endpoints.ServiceProvider.GetService<IServiceProviderIsService>() is { } isService && !isService.IsService(typeof(ZkDiscovery.ZooKeeperClient)))
        {
            throw new InvalidOperationException(
                "MapZooKeeperDashboard needs a ZooKeeperClient service: call builder.Services.AddZooKeeper() (or register a connected client).");
        }
        var group = endpoints.MapGroup(pattern);
        DashboardEndpoints.Map(group);
        return group;
    }
}
