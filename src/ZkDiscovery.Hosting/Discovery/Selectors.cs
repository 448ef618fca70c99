using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// Picks one endpoint of a service for a request. Register your own as a singleton
/// (<c>services.AddSingleton&lt;IZooKeeperEndpointSelector, MySelector&gt;()</c>) to replace the built-in strategy.
/// Implementations must be thread-safe and should not allocate per call.
/// </summary>
public interface IZooKeeperEndpointSelector
{
    /// <summary>Picks one of <paramref name="endpoints"/>.</summary>
    /// <param name="serviceName">The service the endpoints belong to.</param>
    /// <param name="endpoints">The candidates; never empty.</param>
    /// <returns>One of <paramref name="endpoints"/>.</returns>
    ZooKeeperServiceEndpoint Pick(string serviceName, ImmutableArray<ZooKeeperServiceEndpoint> endpoints);
}

/// <summary>Each endpoint in turn, per service.</summary>
public sealed class RoundRobinEndpointSelector : IZooKeeperEndpointSelector
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _counters = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public ZooKeeperServiceEndpoint Pick(string serviceName, ImmutableArray<ZooKeeperServiceEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(serviceName);
        CheckNotEmpty(endpoints);
        var counter = _counters.GetOrAdd(serviceName, static _ => new StrongBox<int>(-1));
        var next = (uint)Interlocked.Increment(ref counter.Value);
        return endpoints[(int)(next % (uint)endpoints.Length)];
    }

    internal static void CheckNotEmpty(ImmutableArray<ZooKeeperServiceEndpoint> endpoints)
    {
        if (endpoints.IsDefaultOrEmpty)
        {
            throw new ArgumentException("There must be at least one endpoint to select from.", nameof(endpoints));
        }
    }
}

/// <summary>An endpoint at random.</summary>
public sealed class RandomEndpointSelector : IZooKeeperEndpointSelector
{
    /// <inheritdoc/>
    public ZooKeeperServiceEndpoint Pick(string serviceName, ImmutableArray<ZooKeeperServiceEndpoint> endpoints)
    {
        RoundRobinEndpointSelector.CheckNotEmpty(endpoints);
#pragma warning disable CA5394 // Load balancing, not security.
        return endpoints[Random.Shared.Next(endpoints.Length)];
#pragma warning restore CA5394
    }
}

/// <summary>
/// Power of two choices: two endpoints picked at random, the one with fewer requests in flight from this process
/// (<see cref="ZooKeeperServiceEndpoint.InFlightRequests"/>) wins.
/// </summary>
public sealed class PowerOfTwoChoicesEndpointSelector : IZooKeeperEndpointSelector
{
    /// <inheritdoc/>
    public ZooKeeperServiceEndpoint Pick(string serviceName, ImmutableArray<ZooKeeperServiceEndpoint> endpoints)
    {
        RoundRobinEndpointSelector.CheckNotEmpty(endpoints);
        if (endpoints.Length == 1)
        {
            return endpoints[0];
        }
#pragma warning disable CA5394 // Load balancing, not security.
        var first = Random.Shared.Next(endpoints.Length);
        var second = Random.Shared.Next(endpoints.Length - 1);
#pragma warning restore CA5394
        if (second >= first)
        {
            second++;
        }
        var a = endpoints[first];
        var b = endpoints[second];
        return b.InFlightRequests < a.InFlightRequests ? b : a;
    }
}
